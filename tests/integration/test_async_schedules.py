"""Schedules (issue 13, item 4): SAM Schedule / ScheduleV2 events queue, at each firing, the event
AWS sends (EventBridge's scheduled-event envelope, or exactly the Input); POST
/_emu/schedules/{name}/fire fires one now (by its Name or its event key; 404 for neither);
--schedules off stops automatic firing but not fire; the banner lists each schedule with its next
firing; a bad expression stops `serve` with exit code 2 and a message naming it.
(Parsing rate/cron/at and next-fire times is unit-tested: tests/unit/invoke.)
"""
import datetime
import os
import re
import shutil
import subprocess
import time
import unittest

from async_support import ACCOUNT, REGION, runs, sam_server_for_class, wait_for, write_project
from emu import EmuServer, emu_binary

UUID_RE = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
INPUT = '{"z": 1, "a": [1, 2], "nested": {"y": true, "b": null}}'
ENVELOPE_KEYS = ["version", "id", "detail-type", "source", "account", "time", "region",
                 "resources", "detail"]


def at_in(seconds):
    """An at() expression `seconds` from now (UTC, whole seconds)."""
    when = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=seconds)
    return "at(" + when.strftime("%Y-%m-%dT%H:%M:%S") + ")"


def functions(soon):
    return f"""
Worker:
  Type: AWS::Serverless::Function
  Properties:
    Handler: app.worker
    Events:
      Tick:
        Type: Schedule
        Properties:
          Schedule: rate(1 hour)
      Nightly:
        Type: Schedule
        Properties:
          Schedule: cron(0 3 * * ? *)
          Name: nightly-report
      WithInput:
        Type: Schedule
        Properties:
          Schedule: rate(1 hour)
          Input: '{INPUT}'
      Soon:
        Type: ScheduleV2
        Properties:
          ScheduleExpression: {soon}
"""


class ScheduleCase(unittest.TestCase):
    emu = None

    def fire(self, name):
        r = self.emu.request("POST", f"/_emu/schedules/{name}/fire")
        self.assertEqual(r.status, 202, r)
        body = r.json()
        self.assertEqual(r.header("x-amzn-RequestId"), body["RequestId"])
        ran = wait_for(lambda: runs(self.emu, "Worker", body["RequestId"]),
                       f"the firing of {name}")
        self.assertEqual(len(ran), 1)
        return body, ran[0][2]

    def assertEnvelope(self, event, source, resource):
        self.assertEqual(list(event), ENVELOPE_KEYS, event)
        self.assertRegex(event["id"], UUID_RE)
        self.assertRegex(event["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        at = datetime.datetime.strptime(event["time"], "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=datetime.timezone.utc).timestamp()
        self.assertLess(abs(at - time.time()), 30, event["time"])
        self.assertEqual({k: v for k, v in event.items() if k not in ("id", "time")}, {
            "version": "0",
            "detail-type": "Scheduled Event",
            "source": source,
            "account": ACCOUNT,
            "region": REGION,
            "resources": [resource],
            "detail": {},
        })


class SchedulesOnTest(ScheduleCase):
    @classmethod
    def setUpClass(cls):
        cls.soon = at_in(6)  # after the server is up, even on a loaded machine
        cls.emu = sam_server_for_class(cls, functions(cls.soon), args=["--no-cpu-limit"])

    def test_fire_by_event_key_queues_the_scheduled_event_envelope(self):
        body, event = self.fire("Tick")
        self.assertEqual(body["Schedule"], "Tick")
        self.assertEnvelope(event, "aws.events",
                            f"arn:aws:events:{REGION}:{ACCOUNT}:rule/Tick")

    def test_fire_by_name_uses_the_rule_name(self):
        body, event = self.fire("nightly-report")
        self.assertEqual(body["Schedule"], "nightly-report")
        self.assertEnvelope(event, "aws.events",
                            f"arn:aws:events:{REGION}:{ACCOUNT}:rule/nightly-report")
        body, _ = self.fire("Nightly")  # its event key finds it too
        self.assertEqual(body["Schedule"], "nightly-report")
        # So do FUNCTION.EVENT and the rule's logical id SAM generates (function id + event key).
        body, _ = self.fire("Worker.Nightly")
        self.assertEqual(body["Schedule"], "nightly-report")
        body, _ = self.fire("WorkerNightly")
        self.assertEqual(body["Schedule"], "nightly-report")

    def test_input_is_the_event_exactly(self):
        _, event = self.fire("WithInput")
        line = [m for m in re.findall(r"^RUN \S+ \S+ (.*)$", self.emu.log_file("Worker"), re.M)
                if '"nested"' in m][-1]
        self.assertEqual(line, '{"z":1,"a":[1,2],"nested":{"y":true,"b":null}}')
        self.assertEqual(list(event), ["z", "a", "nested"])

    def test_unknown_name_is_404(self):
        r = self.emu.request("POST", "/_emu/schedules/no-such-schedule/fire")
        self.assertEqual(r.status, 404, r)
        self.assertEqual(r.header("x-amzn-ErrorType"), "ResourceNotFoundException")
        self.assertIn("no-such-schedule", r.body.decode())

    def test_at_schedule_fires_by_itself(self):
        def fired():
            return [e for _, _, e in runs(self.emu, "Worker")
                    if e.get("source") == "aws.scheduler"]
        events = wait_for(fired, f"{self.soon} to fire", timeout=20)
        self.assertEnvelope(events[0], "aws.scheduler",
                            f"arn:aws:scheduler:{REGION}:{ACCOUNT}:schedule/default/Soon")

    def test_list_and_banner_show_the_next_firing(self):
        listing = self.emu.request("GET", "/_emu/schedules").json()
        self.assertTrue(listing["Running"])
        by_name = {s["Name"]: s for s in listing["Schedules"]}
        self.assertEqual(set(by_name), {"Tick", "nightly-report", "WithInput", "Soon"})
        self.assertEqual(by_name["nightly-report"]["ScheduleExpression"], "cron(0 3 * * ? *)")
        self.assertRegex(by_name["Tick"]["NextFiring"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        next_03 = by_name["nightly-report"]["NextFiring"]
        self.assertTrue(next_03.endswith("T03:00:00Z"), next_03)
        banner = self.emu.stdout() + self.emu.stderr()
        self.assertRegex(banner, r"Tick  rate\(1 hour\) -> Worker  next \d{4}-\d\d-\d\dT")
        self.assertIn(f"nightly-report  cron(0 3 * * ? *) -> Worker  next {next_03}", banner)


class SchedulesOffTest(ScheduleCase):
    @classmethod
    def setUpClass(cls):
        cls.soon = at_in(2)
        cls.emu = sam_server_for_class(cls, functions(cls.soon),
                                       args=["--no-cpu-limit", "--schedules", "off"])

    def test_nothing_fires_by_itself_but_fire_works(self):
        listing = self.emu.request("GET", "/_emu/schedules").json()
        self.assertFalse(listing["Running"])
        self.assertEqual({s["NextFiring"] for s in listing["Schedules"]}, {None})
        self.assertIn("--schedules off", self.emu.stdout() + self.emu.stderr())
        time.sleep(4)  # past the at() time
        self.assertEqual(runs(self.emu, "Worker"), [])
        _, event = self.fire("Soon")
        self.assertEnvelope(event, "aws.scheduler",
                            f"arn:aws:scheduler:{REGION}:{ACCOUNT}:schedule/default/Soon")
        self.assertEqual(len(runs(self.emu, "Worker")), 1)


class BadScheduleTest(unittest.TestCase):
    def test_bad_expression_is_exit_2_naming_it(self):
        emu = write_project(EmuServer(config=None), """
            Worker:
              Type: AWS::Serverless::Function
              Properties:
                Handler: app.worker
                Events:
                  Broken:
                    Type: Schedule
                    Properties:
                      Schedule: rate(5 fortnights)
            """)
        self.addCleanup(shutil.rmtree, emu.tmp, True)
        port_file = os.path.join(emu.tmp, "port")
        p = subprocess.run([emu_binary(), "serve", "--config", emu.config_path, "--port", "0",
                            "--port-file", port_file, "--ephemeral",
                            "--log-dir", os.path.join(emu.tmp, "logs")],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertFalse(os.path.exists(port_file), "it listened")
        errors = [line for line in p.stderr.splitlines() if line.startswith("lambda-emu: error: ")]
        self.assertEqual(len(errors), 1, p.stderr)
        self.assertIn("Worker: Events.Broken", errors[0])
        self.assertIn("rate(5 fortnights)", errors[0])


if __name__ == "__main__":
    unittest.main()

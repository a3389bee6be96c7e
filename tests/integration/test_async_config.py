"""Asynchronous-invocation settings a project declares (issue 13): EventInvokeConfig,
DeadLetterConfig / DeadLetterQueue, and schedules from AWS::Events::Rule, in a lambda-emu.yaml
or a template. A malformed one stops `serve` before it listens, with exit code 2 and one error
line that names the key (issue 13, item 6: never an accepted config the queue cannot act on);
a good one loads and the functions run.
"""
import os
import shutil
import tempfile
import textwrap
import unittest

from emu import EmuServer, fixture, serve_config_error

PROBE = fixture("functions", "probe")


class AsyncConfigErrorTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="lambda-emu-async-config-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def serve_fails(self, name, text):
        """Runs `serve --config NAME` with `text`; returns its single error line."""
        return serve_config_error(self, self.tmp, name, textwrap.dedent(text))

    def test_config_file_retry_attempts_out_of_range(self):
        error = self.serve_fails("lambda-emu.yaml", f"""
            Functions:
              hello:
                Runtime: provided
                Handler: bootstrap
                Code: {PROBE}
                EventInvokeConfig:
                  MaximumRetryAttempts: 3
            """)
        self.assertTrue(error.endswith(
            "lambda-emu.yaml: function 'hello': EventInvokeConfig.MaximumRetryAttempts: must be "
            "between 0 and 2, got 3"), error)

    def test_config_file_dead_letter_target_that_is_not_a_queue_or_topic(self):
        error = self.serve_fails("lambda-emu.yaml", f"""
            Functions:
              hello:
                Runtime: provided
                Handler: bootstrap
                Code: {PROBE}
                DeadLetterConfig:
                  TargetArn: arn:aws:s3:::my-bucket
            """)
        self.assertIn("function 'hello': DeadLetterConfig.TargetArn: arn:aws:s3:::my-bucket is an "
                      "S3 bucket; a dead-letter queue is an SQS queue or an SNS topic", error)

    def test_template_destination_function_not_in_the_template(self):
        error = self.serve_fails("template.yaml", f"""
            Transform: AWS::Serverless-2016-10-31
            Resources:
              Worker:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: {PROBE}
                  Handler: bootstrap
                  Runtime: provided.al2023
                  EventInvokeConfig:
                    DestinationConfig:
                      OnFailure:
                        Type: Lambda
                        Destination: !Sub arn:aws:lambda:${{AWS::Region}}:${{AWS::AccountId}}:function:Gone
            """)
        self.assertIn("function 'Worker': EventInvokeConfig.DestinationConfig.OnFailure.Destination: "
                      "destination function Gone is not defined in the template", error)

    def test_template_destination_service_lambda_cannot_deliver_to(self):
        error = self.serve_fails("template.yaml", f"""
            Resources:
              Worker:
                Type: AWS::Lambda::Function
                Properties:
                  Code: {PROBE}
                  Handler: bootstrap
                  Runtime: provided.al2023
              WorkerAsync:
                Type: AWS::Lambda::EventInvokeConfig
                Properties:
                  FunctionName: !Ref Worker
                  Qualifier: $LATEST
                  DestinationConfig:
                    OnSuccess:
                      Destination: arn:aws:dynamodb:us-east-1:123456789012:table/results
            """)
        self.assertIn("WorkerAsync.DestinationConfig.OnSuccess.Destination: Lambda cannot send "
                      "records to arn:aws:dynamodb:us-east-1:123456789012:table/results", error)


class AsyncConfigLoadsTest(unittest.TestCase):
    def test_template_with_async_settings_loads_and_runs(self):
        tmp = tempfile.mkdtemp(prefix="lambda-emu-async-template-")
        self.addCleanup(shutil.rmtree, tmp, True)
        path = os.path.join(tmp, "template.yaml")
        with open(path, "w") as f:
            f.write(textwrap.dedent(f"""
                Transform: AWS::Serverless-2016-10-31
                Globals:
                  Function: {{ CodeUri: {PROBE}, Handler: bootstrap, Runtime: provided.al2023 }}
                Resources:
                  Worker:
                    Type: AWS::Serverless::Function
                    Properties:
                      EventInvokeConfig:
                        MaximumRetryAttempts: 1
                        DestinationConfig:
                          OnSuccess: {{ Type: Lambda, Destination: !GetAtt Audit.Arn }}
                          OnFailure: {{ Type: SQS }}
                      DeadLetterQueue: {{ Type: SNS, TargetArn: !Ref Dead }}
                  Audit:
                    Type: AWS::Serverless::Function
                  Dead:
                    Type: AWS::SNS::Topic
                  Nightly:
                    Type: AWS::Events::Rule
                    Properties:
                      ScheduleExpression: rate(5 minutes)
                      Targets: [{{ Id: w, Arn: !GetAtt Worker.Arn }}]
                """))
        emu = EmuServer(config=None, args=["--ephemeral"])
        emu.config_path = path
        with emu:
            self.assertEqual(emu.invoke("Worker", b'{"ok": 1}').status, 200)
            banner = emu.stdout() + emu.stderr()
            self.assertIn("event Nightly: Schedule rate(5 minutes)", banner)
            self.assertNotIn("EventInvokeConfig is not a property", banner)


if __name__ == "__main__":
    unittest.main()

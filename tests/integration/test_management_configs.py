"""The management API's configurations kept with a function, and layers:
event-invoke configs, Function URL configs, permissions (AddPermission,
RemovePermission, GetPolicy), TagResource/UntagResource, and
PublishLayerVersion and the other layer operations (with layer versions'
permissions), through boto3 against the real server, the List operations'
Marker/MaxItems paging, with the success shapes and the error texts Lambda gives; a
Python function imports a module that only its layer's python/ folder has;
everything survives a restart on the same --state-dir.
"""
import base64
import hashlib
import io
import json
import os
import re
import shutil
import tempfile
import unittest
import urllib.request
import zipfile

from botocore.exceptions import ClientError

from emu import EmuServer

ACCOUNT = "000000000000"
REGION = "us-east-1"
ARN_PREFIX = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:"
LAYER_PREFIX = f"arn:aws:lambda:{REGION}:{ACCOUNT}:layer:"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/lambda-role"
URL_RE = re.compile(r"^http://[a-z0-9]{32}\.lambda-url\.us-east-1\.on\.aws/$")

HANDLER = b"""
def handler(event, context):
    return {"ok": True}
"""

LAYER_HANDLER = b"""
import layer_mod

def handler(event, context):
    return {"value": layer_mod.VALUE}
"""


def zip_of(files):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buffer.getvalue()


def start_server(state_dir):
    emu = EmuServer({}, args=["--state-dir", state_dir])
    emu.start()
    return emu


def create_function(client, name, code=HANDLER, **kwargs):
    return client.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE,
                                  Handler="index.handler",
                                  Code={"ZipFile": zip_of({"index.py": code})}, **kwargs)


class ServerCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.state_dir = tempfile.mkdtemp(prefix="lambda-emu-configs-")
        cls.emu = start_server(cls.state_dir)
        cls.client = cls.emu.boto3_client()

    @classmethod
    def tearDownClass(cls):
        code = cls.emu.stop()
        cls.emu.__exit__(None, None, None)
        shutil.rmtree(cls.state_dir, ignore_errors=True)
        assert code == 0, f"lambda-emu exited with {code}"

    def assertError(self, call, code, message, status):
        with self.assertRaises(ClientError) as cm:
            call()
        response = cm.exception.response
        self.assertEqual((response["Error"]["Code"], response["Error"]["Message"],
                          response["ResponseMetadata"]["HTTPStatusCode"]),
                         (code, message, status))

    def raw(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        return self.emu.request(method, path, data)


class EventInvokeConfigTest(ServerCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        create_function(cls.client, "eic-fn")
        create_function(cls.client, "eic-dest")
        cls.client.publish_version(FunctionName="eic-fn")
        cls.client.create_alias(FunctionName="eic-fn", Name="live", FunctionVersion="1")

    def test_put_get_update_list_delete(self):
        c = self.client
        put = c.put_function_event_invoke_config(FunctionName="eic-fn", MaximumRetryAttempts=1)
        self.assertEqual(put["FunctionArn"], ARN_PREFIX + "eic-fn:$LATEST")
        self.assertEqual(put["MaximumRetryAttempts"], 1)
        self.assertNotIn("MaximumEventAgeInSeconds", put)
        self.assertEqual(put["DestinationConfig"], {"OnSuccess": {}, "OnFailure": {}})
        dest = ARN_PREFIX + "eic-dest"
        updated = c.update_function_event_invoke_config(
            FunctionName="eic-fn", MaximumEventAgeInSeconds=120,
            DestinationConfig={"OnFailure": {"Destination": dest}})
        self.assertEqual((updated["MaximumRetryAttempts"], updated["MaximumEventAgeInSeconds"]),
                         (1, 120))
        self.assertEqual(updated["DestinationConfig"],
                         {"OnSuccess": {}, "OnFailure": {"Destination": dest}})
        got = c.get_function_event_invoke_config(FunctionName="eic-fn")
        self.assertEqual(got["MaximumEventAgeInSeconds"], 120)
        # LastModified is epoch seconds (a float) on the wire.
        raw = self.raw("GET", "/2019-09-25/functions/eic-fn/event-invoke-config").json()
        self.assertIsInstance(raw["LastModified"], float)
        # Put replaces the whole config.
        replaced = c.put_function_event_invoke_config(FunctionName="eic-fn",
                                                      MaximumEventAgeInSeconds=21600)
        self.assertNotIn("MaximumRetryAttempts", replaced)
        self.assertEqual(replaced["DestinationConfig"], {"OnSuccess": {}, "OnFailure": {}})
        c.put_function_event_invoke_config(FunctionName="eic-fn", Qualifier="live",
                                           MaximumRetryAttempts=0)
        c.put_function_event_invoke_config(FunctionName="eic-fn:1", MaximumRetryAttempts=2)
        listed = c.list_function_event_invoke_configs(FunctionName="eic-fn")
        self.assertEqual(sorted(x["FunctionArn"] for x in listed["FunctionEventInvokeConfigs"]),
                         sorted(ARN_PREFIX + "eic-fn:" + q for q in ("$LATEST", "1", "live")))
        for qualifier in ("$LATEST", "1", "live"):
            c.delete_function_event_invoke_config(FunctionName="eic-fn", Qualifier=qualifier)
        self.assertEqual(c.list_function_event_invoke_configs(FunctionName="eic-fn")
                         ["FunctionEventInvokeConfigs"], [])

    def test_errors(self):
        c = self.client
        missing_arn = ARN_PREFIX + "doesnotexist"
        self.assertError(lambda: c.put_function_event_invoke_config(
            FunctionName="doesnotexist", MaximumRetryAttempts=1),
            "ResourceNotFoundException", "The function doesn't exist.", 404)
        self.assertError(lambda: c.put_function_event_invoke_config(
            FunctionName="eic-fn", Qualifier="nosuchalias", MaximumRetryAttempts=1),
            "ResourceNotFoundException", "The function doesn't exist.", 404)
        self.assertError(lambda: c.put_function_event_invoke_config(FunctionName="eic-fn"),
                         "InvalidParameterValueException",
                         "You must specify at least one of error handling or destination "
                         "setting.", 400)
        self.assertError(lambda: c.put_function_event_invoke_config(
            FunctionName="eic-fn",
            DestinationConfig={"OnSuccess": {"Destination": missing_arn}}),
            "InvalidParameterValueException", f"The destination ARN {missing_arn} is invalid.",
            400)
        self.assertError(lambda: c.put_function_event_invoke_config(
            FunctionName="eic-fn",
            DestinationConfig={"OnSuccess": {"Destination": ARN_PREFIX + "eic-fn"}}),
            "InvalidParameterValueException",
            "You can't specify the function as a destination for itself.", 400)
        iam = f"arn:aws:iam:{REGION}:{ACCOUNT}:function:eic-fn"
        self.assertError(lambda: c.put_function_event_invoke_config(
            FunctionName="eic-fn", DestinationConfig={"OnSuccess": {"Destination": iam}}),
            "InvalidParameterValueException",
            f"The provided destination config DestinationConfig(onSuccess=OnSuccess("
            f"destination={iam}), onFailure=null) is invalid.", 400)
        self.assertError(lambda: c.put_function_event_invoke_config(
            FunctionName="eic-fn", DestinationConfig={"OnFailure": {"Destination": "not-an-arn"}}),
            "ValidationException",
            "1 validation error detected: Value 'not-an-arn' at "
            "'destinationConfig.onFailure.destination' failed to satisfy constraint: Member must "
            "satisfy regular expression pattern: ^$|arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\\-])+:"
            "([a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\\d{1})?:(\\d{12})?:(.*)", 400)
        self.assertError(lambda: c.put_function_event_invoke_config(
            FunctionName="eic-fn", MaximumRetryAttempts=3),
            "ValidationException",
            "1 validation error detected: Value '3' at 'maximumRetryAttempts' failed to satisfy "
            "constraint: Member must have value less than or equal to 2", 400)
        self.assertError(lambda: c.put_function_event_invoke_config(
            FunctionName="eic-fn", MaximumEventAgeInSeconds=21601),
            "ValidationException",
            "1 validation error detected: Value '21601' at 'maximumEventAgeInSeconds' failed to "
            "satisfy constraint: Member must have value less than or equal to 21600", 400)
        # Below the model's minimums (botocore refuses those itself).
        r = self.raw("PUT", "/2019-09-25/functions/eic-fn/event-invoke-config",
                     {"MaximumEventAgeInSeconds": 59})
        self.assertEqual((r.status, r.json()["message"] if "message" in r.json()
                          else r.json()["Message"]),
                         (400, "1 validation error detected: Value '59' at "
                               "'maximumEventAgeInSeconds' failed to satisfy constraint: Member "
                               "must have value greater than or equal to 60"))
        self.assertError(lambda: c.get_function_event_invoke_config(FunctionName="eic-fn"),
                         "ResourceNotFoundException",
                         f"The function {ARN_PREFIX}eic-fn:$LATEST doesn't have an "
                         "EventInvokeConfig", 404)
        self.assertError(lambda: c.get_function_event_invoke_config(FunctionName="eic-fn",
                                                                    Qualifier="1221"),
                         "ResourceNotFoundException",
                         f"The function {ARN_PREFIX}eic-fn:1221 doesn't have an "
                         "EventInvokeConfig", 404)
        self.assertError(lambda: c.get_function_event_invoke_config(FunctionName="doesnotexist"),
                         "ResourceNotFoundException",
                         f"The function {missing_arn}:$LATEST doesn't have an EventInvokeConfig",
                         404)
        self.assertError(lambda: c.delete_function_event_invoke_config(FunctionName="eic-fn",
                                                                       Qualifier="live"),
                         "ResourceNotFoundException",
                         f"The function {ARN_PREFIX}eic-fn:live doesn't have an "
                         "EventInvokeConfig", 404)
        self.assertError(lambda: c.update_function_event_invoke_config(
            FunctionName="eic-fn", Qualifier="1", MaximumRetryAttempts=1),
            "ResourceNotFoundException",
            f"The function {ARN_PREFIX}eic-fn:1 doesn't have an EventInvokeConfig", 404)
        self.assertError(lambda: c.update_function_event_invoke_config(
            FunctionName="doesnotexist", MaximumRetryAttempts=1),
            "ResourceNotFoundException", "The function doesn't exist.", 404)
        self.assertError(lambda: c.list_function_event_invoke_configs(FunctionName="doesnotexist"),
                         "ResourceNotFoundException", "The function doesn't exist.", 404)
        self.assertError(lambda: c.get_function_event_invoke_config(
            FunctionName="eic-fn:live", Qualifier="1"),
            "InvalidParameterValueException",
            "The derived qualifier from the function name does not match the specified "
            "qualifier.", 400)


class FunctionUrlConfigTest(ServerCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        create_function(cls.client, "url-fn")
        cls.client.publish_version(FunctionName="url-fn")
        cls.client.create_alias(FunctionName="url-fn", Name="live", FunctionVersion="1")

    def test_create_get_update_list_delete(self):
        c = self.client
        created = c.create_function_url_config(FunctionName="url-fn", AuthType="NONE",
                                               Cors={"AllowOrigins": ["*"]})
        self.assertEqual(created["ResponseMetadata"]["HTTPStatusCode"], 201)
        self.assertEqual((created["AuthType"], created["FunctionArn"], created["Cors"]),
                         ("NONE", ARN_PREFIX + "url-fn", {"AllowOrigins": ["*"]}))
        self.assertRegex(created["FunctionUrl"], URL_RE)
        self.assertIn("CreationTime", created)
        got = c.get_function_url_config(FunctionName="url-fn")
        self.assertEqual((got["InvokeMode"], got["FunctionUrl"]),
                         ("BUFFERED", created["FunctionUrl"]))
        self.assertIn("LastModifiedTime", got)
        updated = c.update_function_url_config(FunctionName="url-fn", AuthType="AWS_IAM",
                                               InvokeMode="RESPONSE_STREAM")
        self.assertEqual((updated["AuthType"], updated["InvokeMode"]),
                         ("AWS_IAM", "RESPONSE_STREAM"))
        aliased = c.create_function_url_config(FunctionName="url-fn", Qualifier="live",
                                               AuthType="AWS_IAM")
        self.assertEqual(aliased["FunctionArn"], ARN_PREFIX + "url-fn:live")
        self.assertNotEqual(aliased["FunctionUrl"], created["FunctionUrl"])
        listed = c.list_function_url_configs(FunctionName="url-fn")["FunctionUrlConfigs"]
        self.assertEqual(sorted(x["FunctionArn"] for x in listed),
                         [ARN_PREFIX + "url-fn", ARN_PREFIX + "url-fn:live"])
        c.delete_function_url_config(FunctionName="url-fn", Qualifier="live")
        c.delete_function_url_config(FunctionName="url-fn")
        self.assertEqual(c.list_function_url_configs(FunctionName="url-fn")
                         ["FunctionUrlConfigs"], [])

    def test_errors(self):
        c = self.client
        c.create_function_url_config(FunctionName="url-fn", Qualifier="live", AuthType="NONE")
        self.addCleanup(c.delete_function_url_config, FunctionName="url-fn", Qualifier="live")
        self.assertError(lambda: c.create_function_url_config(
            FunctionName="url-fn", Qualifier="live", AuthType="NONE"),
            "ResourceConflictException",
            f"Failed to create function url config for [functionArn = {ARN_PREFIX}url-fn:live]. "
            "Error message:  FunctionUrlConfig exists for this Lambda function", 409)
        self.assertError(lambda: c.create_function_url_config(FunctionName="doesnotexist",
                                                              AuthType="NONE"),
                         "ResourceNotFoundException", "Function does not exist", 404)
        self.assertError(lambda: c.create_function_url_config(
            FunctionName="url-fn", Qualifier="nosuchalias", AuthType="NONE"),
            "ResourceNotFoundException", "Function does not exist", 404)
        self.assertError(lambda: c.update_function_url_config(FunctionName="doesnotexist",
                                                              AuthType="NONE"),
                         "ResourceNotFoundException", "Function does not exist", 404)
        for call in (lambda: c.get_function_url_config(FunctionName="doesnotexist"),
                     lambda: c.get_function_url_config(FunctionName="url-fn"),
                     lambda: c.get_function_url_config(FunctionName="url-fn",
                                                       Qualifier="nosuchalias"),
                     lambda: c.delete_function_url_config(FunctionName="url-fn"),
                     lambda: c.update_function_url_config(FunctionName="url-fn",
                                                          AuthType="NONE")):
            self.assertError(call, "ResourceNotFoundException",
                             "The resource you requested does not exist.", 404)
        self.assertError(lambda: c.list_function_url_configs(FunctionName="doesnotexist"),
                         "ResourceNotFoundException", "Function does not exist", 404)
        for qualifier in ("1", "$LATEST"):
            self.assertError(lambda: c.get_function_url_config(FunctionName="url-fn",
                                                               Qualifier=qualifier),
                             "ValidationException",
                             f"1 validation error detected: Value '{qualifier}' at 'qualifier' "
                             "failed to satisfy constraint: Member must satisfy regular "
                             "expression pattern: ((?!^\\d+$)^[0-9a-zA-Z-_]+$)", 400)
        self.assertError(lambda: c.create_function_url_config(FunctionName="url-fn",
                                                              AuthType="BASIC"),
                         "ValidationException",
                         "1 validation error detected: Value 'BASIC' at 'authType' failed to "
                         "satisfy constraint: Member must satisfy enum value set: [AWS_IAM, NONE]",
                         400)
        r = self.raw("POST", "/2021-10-31/functions/url-fn/url", {})
        self.assertEqual(r.status, 400)
        self.assertIn("1 validation error detected: Value null at 'authType' failed to satisfy "
                      "constraint: Member must not be null", r.body.decode())
        self.assertError(lambda: c.get_function_url_config(FunctionName="url-fn:live",
                                                           Qualifier="other"),
                         "InvalidParameterValueException",
                         "The derived qualifier from the function name does not match the "
                         "specified qualifier.", 400)


class PermissionTest(ServerCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        create_function(cls.client, "pol-fn")
        cls.client.publish_version(FunctionName="pol-fn")
        cls.client.create_alias(FunctionName="pol-fn", Name="live", FunctionVersion="1")

    def test_add_get_remove(self):
        c = self.client
        arn = ARN_PREFIX + "pol-fn"
        added = c.add_permission(FunctionName="pol-fn", StatementId="s3",
                                 Action="lambda:InvokeFunction", Principal="s3.amazonaws.com",
                                 SourceArn="arn:aws:s3:::bucket", SourceAccount="111111111111")
        self.assertEqual(added["ResponseMetadata"]["HTTPStatusCode"], 201)
        self.assertEqual(json.loads(added["Statement"]), {
            "Sid": "s3", "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"},
            "Action": "lambda:InvokeFunction", "Resource": arn,
            "Condition": {"ArnLike": {"AWS:SourceArn": "arn:aws:s3:::bucket"},
                          "StringEquals": {"AWS:SourceAccount": "111111111111"}}})
        account = json.loads(c.add_permission(FunctionName="pol-fn", StatementId="acct",
                                              Action="lambda:GetFunction",
                                              Principal="111111111111")["Statement"])
        self.assertEqual(account["Principal"], {"AWS": "arn:aws:iam::111111111111:root"})
        url = json.loads(c.add_permission(FunctionName="pol-fn", StatementId="url",
                                          Action="lambda:InvokeFunctionUrl", Principal="*",
                                          FunctionUrlAuthType="NONE",
                                          PrincipalOrgID="o-abcdefghij")["Statement"])
        self.assertEqual((url["Principal"], url["Condition"]),
                         ("*", {"StringEquals": {"lambda:FunctionUrlAuthType": "NONE",
                                                 "aws:PrincipalOrgID": "o-abcdefghij"}}))
        token = json.loads(c.add_permission(FunctionName="pol-fn", StatementId="alexa",
                                            Action="lambda:InvokeFunction",
                                            Principal="alexa-appkit.amazon.com",
                                            EventSourceToken="amzn1.ask.skill.1")["Statement"])
        self.assertEqual(token["Condition"],
                         {"StringEquals": {"lambda:EventSourceToken": "amzn1.ask.skill.1"}})
        policy = c.get_policy(FunctionName="pol-fn")
        document = json.loads(policy["Policy"])
        self.assertEqual((document["Version"], document["Id"]), ("2012-10-17", "default"))
        self.assertEqual([s["Sid"] for s in document["Statement"]], ["s3", "acct", "url", "alexa"])
        revision = policy["RevisionId"]
        # Per qualifier: the alias's policy is its own.
        aliased = json.loads(c.add_permission(FunctionName="pol-fn", Qualifier="live",
                                              StatementId="s3", Action="lambda:InvokeFunction",
                                              Principal="s3.amazonaws.com")["Statement"])
        self.assertEqual(aliased["Resource"], arn + ":live")
        self.assertEqual(len(json.loads(c.get_policy(FunctionName="pol-fn", Qualifier="live")
                                        ["Policy"])["Statement"]), 1)
        self.assertError(lambda: c.remove_permission(FunctionName="pol-fn", StatementId="s3",
                                                     RevisionId="wrong"),
                         "PreconditionFailedException",
                         "The Revision Id provided does not match the latest Revision Id. Call "
                         "the GetFunction/GetAlias API to retrieve the latest Revision Id", 412)
        removed = c.remove_permission(FunctionName="pol-fn", StatementId="s3",
                                      RevisionId=revision)
        self.assertEqual(removed["ResponseMetadata"]["HTTPStatusCode"], 204)
        after = c.get_policy(FunctionName="pol-fn")
        self.assertNotEqual(after["RevisionId"], revision)
        for sid in ("acct", "url", "alexa"):
            c.remove_permission(FunctionName="pol-fn", StatementId=sid)
        c.remove_permission(FunctionName="pol-fn", Qualifier="live", StatementId="s3")
        self.assertError(lambda: c.get_policy(FunctionName="pol-fn"),
                         "ResourceNotFoundException",
                         "The resource you requested does not exist.", 404)

    def test_errors(self):
        c = self.client
        arn = ARN_PREFIX + "pol-fn"
        c.add_permission(FunctionName="pol-fn", StatementId="dup", Action="lambda:InvokeFunction",
                         Principal="sns.amazonaws.com")
        self.addCleanup(c.remove_permission, FunctionName="pol-fn", StatementId="dup")
        add = dict(Action="lambda:InvokeFunction", Principal="s3.amazonaws.com")
        self.assertError(lambda: c.add_permission(FunctionName="pol-fn", StatementId="dup", **add),
                         "ResourceConflictException",
                         "The statement id (dup) provided already exists. Please provide a new "
                         "statement id, or remove the existing statement.", 409)
        self.assertError(lambda: c.add_permission(FunctionName="pol-fn",
                                                  StatementId="example.com", **add),
                         "ValidationException",
                         "1 validation error detected: Value 'example.com' at 'statementId' "
                         "failed to satisfy constraint: Member must satisfy regular expression "
                         "pattern: ([a-zA-Z0-9-_]+)", 400)
        self.assertError(lambda: c.add_permission(FunctionName="pol-fn", StatementId="x",
                                                  Qualifier="$LATEST", **add),
                         "InvalidParameterValueException",
                         "We currently do not support adding policies for $LATEST.", 400)
        self.assertError(lambda: c.add_permission(FunctionName="pol-fn", StatementId="x",
                                                  Action="lambda:InvokeFunction",
                                                  Principal="invalid principal!"),
                         "ValidationException",
                         "1 validation error detected: Value 'invalid principal!' at 'principal' "
                         "failed to satisfy constraint: Member must satisfy regular expression "
                         "pattern: [^\\s]+", 400)
        self.assertError(lambda: c.add_permission(FunctionName="pol-fn", StatementId="x",
                                                  Action="lambda:InvokeFunction",
                                                  Principal="invalid"),
                         "InvalidParameterValueException",
                         "The provided principal was invalid. Please check the principal and try "
                         "again.", 400)
        self.assertError(lambda: c.add_permission(FunctionName="pol-fn", StatementId="x",
                                                  Qualifier="invalid-qualifier-with-?-char",
                                                  **add),
                         "ValidationException",
                         "1 validation error detected: Value 'invalid-qualifier-with-?-char' at "
                         "'qualifier' failed to satisfy constraint: Member must satisfy regular "
                         "expression pattern: (|[a-zA-Z0-9$_-]+)", 400)
        self.assertError(lambda: c.add_permission(FunctionName="doesnotexist", StatementId="x",
                                                  **add),
                         "ResourceNotFoundException",
                         f"Function not found: {ARN_PREFIX}doesnotexist", 404)
        self.assertError(lambda: c.add_permission(FunctionName="pol-fn", StatementId="x",
                                                  Qualifier="42", **add),
                         "ResourceNotFoundException", f"Function not found: {arn}:42", 404)
        self.assertError(lambda: c.add_permission(FunctionName="pol-fn", StatementId="x",
                                                  Qualifier="nosuchalias", **add),
                         "ResourceNotFoundException",
                         f"Cannot find alias arn: {arn}:nosuchalias", 404)
        self.assertError(lambda: c.add_permission(FunctionName="pol-fn", StatementId="x",
                                                  Qualifier="valid-with-$-but-doesnotexist",
                                                  **add),
                         "ResourceNotFoundException",
                         f"Function not found: {arn}:valid-with-$-but-doesnotexist", 404)
        self.assertError(lambda: c.add_permission(FunctionName="pol-fn", StatementId="x",
                                                  RevisionId="wrong", **add),
                         "PreconditionFailedException",
                         "The Revision Id provided does not match the latest Revision Id. Call "
                         "the GetFunction/GetAlias API to retrieve the latest Revision Id", 412)
        self.assertError(lambda: c.get_policy(FunctionName="doesnotexist"),
                         "ResourceNotFoundException",
                         f"Function not found: {ARN_PREFIX}doesnotexist", 404)
        self.assertError(lambda: c.get_policy(FunctionName="pol-fn", Qualifier="1"),
                         "ResourceNotFoundException",
                         "The resource you requested does not exist.", 404)
        self.assertError(lambda: c.remove_permission(FunctionName="pol-fn", Qualifier="1",
                                                     StatementId="dup"),
                         "ResourceNotFoundException",
                         "No policy is associated with the given resource.", 404)
        self.assertError(lambda: c.remove_permission(FunctionName="pol-fn", StatementId="nope"),
                         "ResourceNotFoundException",
                         "Statement nope is not found in resource policy.", 404)
        self.assertError(lambda: c.remove_permission(FunctionName="doesnotexist",
                                                     StatementId="dup"),
                         "ResourceNotFoundException",
                         f"No policy found for: {ARN_PREFIX}doesnotexist", 404)
        self.assertError(lambda: c.remove_permission(FunctionName="pol-fn",
                                                     Qualifier="nosuchalias", StatementId="dup"),
                         "ResourceNotFoundException",
                         f"Cannot find alias arn: {arn}:nosuchalias", 404)


class TagTest(ServerCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.arn = create_function(cls.client, "tag-fn")["FunctionArn"]

    def test_tag_untag(self):
        c = self.client
        c.tag_resource(Resource=self.arn, Tags={"a": "1", "b": "2", "c": "3"})
        self.assertEqual(c.list_tags(Resource=self.arn)["Tags"], {"a": "1", "b": "2", "c": "3"})
        self.assertEqual(c.get_function(FunctionName="tag-fn")["Tags"],
                         {"a": "1", "b": "2", "c": "3"})
        c.untag_resource(Resource=self.arn, TagKeys=["a", "b", "missing"])
        self.assertEqual(c.list_tags(Resource=self.arn)["Tags"], {"c": "3"})
        c.untag_resource(Resource=self.arn, TagKeys=["c"])
        self.assertEqual(c.list_tags(Resource=self.arn)["Tags"], {})

    def test_errors(self):
        c = self.client
        self.assertError(lambda: c.tag_resource(Resource=ARN_PREFIX + "doesnotexist",
                                                Tags={"a": "1"}),
                         "ResourceNotFoundException",
                         f"Function not found: {ARN_PREFIX}doesnotexist", 404)
        self.assertError(lambda: c.untag_resource(Resource=ARN_PREFIX + "doesnotexist",
                                                  TagKeys=["a"]),
                         "ResourceNotFoundException",
                         f"Function not found: {ARN_PREFIX}doesnotexist", 404)
        for suffix in (":$LATEST", ":1", ":live"):
            self.assertError(lambda: c.tag_resource(Resource=self.arn + suffix, Tags={"a": "1"}),
                             "InvalidParameterValueException",
                             "Tags on function aliases and versions are not supported. Please "
                             "specify a function ARN.", 400)
        self.assertError(lambda: c.tag_resource(Resource=self.arn, Tags={}),
                         "InvalidParameterValueException",
                         "An error occurred and the request cannot be processed.", 400)
        with self.assertRaises(ClientError) as cm:
            c.tag_resource(Resource="arn:aws:something", Tags={"a": "1"})
        self.assertEqual(cm.exception.response["Error"]["Code"], "ValidationException")
        self.assertTrue(cm.exception.response["Error"]["Message"].startswith(
            "1 validation error detected: Value 'arn:aws:something' at 'resource' failed to "
            "satisfy constraint: Member must satisfy regular expression pattern: arn:"))
        c.tag_resource(Resource=self.arn, Tags={f"k{i}": "v" for i in range(50)})
        self.addCleanup(c.untag_resource, Resource=self.arn, TagKeys=[f"k{i}" for i in range(50)])
        self.assertError(lambda: c.tag_resource(Resource=self.arn, Tags={"one-more": "v"}),
                         "InvalidParameterValueException",
                         "Number of tags exceeds resource tag limit.", 400)
        r = self.emu.request("DELETE", "/2017-03-31/tags/" + self.arn)
        self.assertEqual(r.status, 400)
        self.assertEqual(r.header("x-amzn-ErrorType").split(":")[0], "ValidationException")
        self.assertIn("1 validation error detected: Value null at 'tagKeys' failed to satisfy "
                      "constraint: Member must not be null", r.body.decode())


class LayerTest(ServerCase):
    def publish(self, name, files=None, **kwargs):
        content = zip_of(files or {"python/x.py": b"X = 1\n"})
        return self.client.publish_layer_version(LayerName=name, Content={"ZipFile": content},
                                                 **kwargs)

    def test_publish_get_list_delete(self):
        c = self.client
        content = zip_of({"python/x.py": b"X = 1\n"})
        first = c.publish_layer_version(LayerName="lay", Content={"ZipFile": content},
                                        Description="first", CompatibleRuntimes=["python3.12"],
                                        CompatibleArchitectures=["x86_64"], LicenseInfo="MIT")
        self.assertEqual(first["ResponseMetadata"]["HTTPStatusCode"], 201)
        self.assertEqual((first["Version"], first["LayerArn"], first["LayerVersionArn"],
                          first["Description"], first["LicenseInfo"],
                          first["CompatibleRuntimes"], first["CompatibleArchitectures"]),
                         (1, LAYER_PREFIX + "lay", LAYER_PREFIX + "lay:1", "first", "MIT",
                          ["python3.12"], ["x86_64"]))
        self.assertEqual(first["Content"]["CodeSha256"],
                         base64.b64encode(hashlib.sha256(content).digest()).decode())
        self.assertEqual(first["Content"]["CodeSize"], len(content))
        with urllib.request.urlopen(first["Content"]["Location"], timeout=30) as r:
            self.assertEqual(r.read(), content)
        second = self.publish("lay", CompatibleRuntimes=["nodejs20.x"])
        self.assertEqual((second["Version"], second["CompatibleRuntimes"]), (2, ["nodejs20.x"]))
        self.assertEqual(c.get_layer_version(LayerName="lay", VersionNumber=1)["Description"],
                         "first")
        self.assertEqual(c.get_layer_version(LayerName=LAYER_PREFIX + "lay",
                                             VersionNumber=2)["Version"], 2)
        self.assertEqual(c.get_layer_version_by_arn(Arn=LAYER_PREFIX + "lay:1")["Version"], 1)
        versions = c.list_layer_versions(LayerName="lay")["LayerVersions"]
        self.assertEqual([v["Version"] for v in versions], [2, 1])
        self.assertEqual(c.list_layer_versions(LayerName="nosuchlayer")["LayerVersions"], [])
        layers = {x["LayerName"]: x for x in c.list_layers()["Layers"]}
        self.assertEqual(layers["lay"]["LatestMatchingVersion"]["Version"], 2)
        self.assertEqual(layers["lay"]["LayerArn"], LAYER_PREFIX + "lay")
        matching = {x["LayerName"]: x for x in
                    c.list_layers(CompatibleRuntime="python3.12")["Layers"]}
        self.assertEqual(matching["lay"]["LatestMatchingVersion"]["Version"], 1)
        self.assertNotIn("lay", {x["LayerName"] for x in
                                 c.list_layers(CompatibleArchitecture="arm64")["Layers"]})
        c.delete_layer_version(LayerName="lay", VersionNumber=1)
        c.delete_layer_version(LayerName="lay", VersionNumber=2)
        c.delete_layer_version(LayerName="lay", VersionNumber=2)  # again: still 204
        c.delete_layer_version(LayerName="nosuchlayer", VersionNumber=1)
        self.assertNotIn("lay", {x["LayerName"] for x in c.list_layers()["Layers"]})
        # Numbers are never reused.
        self.assertEqual(self.publish("lay")["Version"], 3)

    def test_errors(self):
        c = self.client
        self.publish("err-lay")
        missing = "The resource you requested does not exist."
        self.assertError(lambda: c.get_layer_version(LayerName="err-lay", VersionNumber=9),
                         "ResourceNotFoundException", missing, 404)
        self.assertError(lambda: c.get_layer_version(LayerName="nosuchlayer", VersionNumber=1),
                         "ResourceNotFoundException", missing, 404)
        for number in (0, -1):
            self.assertError(lambda: c.get_layer_version(LayerName="err-lay",
                                                         VersionNumber=number),
                             "InvalidParameterValueException",
                             "Layer Version Cannot be less than 1", 400)
            self.assertError(lambda: c.delete_layer_version(LayerName="err-lay",
                                                            VersionNumber=number),
                             "InvalidParameterValueException",
                             "Layer Version Cannot be less than 1", 400)
        self.assertError(lambda: c.get_layer_version_by_arn(Arn=LAYER_PREFIX + "err-lay"),
                         "ValidationException",
                         f"1 validation error detected: Value '{LAYER_PREFIX}err-lay' at 'arn' "
                         "failed to satisfy constraint: Member must satisfy regular expression "
                         "pattern: arn:(aws[a-zA-Z-]*)?:lambda:[a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-"
                         "\\d{1}:\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+", 400)
        self.assertError(lambda: c.get_layer_version_by_arn(Arn=LAYER_PREFIX + "err-lay:9"),
                         "ResourceNotFoundException", missing, 404)
        with self.assertRaises(ClientError) as cm:
            c.list_layers(CompatibleRuntime="runtimedoesnotexist")
        message = cm.exception.response["Error"]["Message"]
        self.assertTrue(message.startswith(
            "1 validation error detected: Value 'runtimedoesnotexist' at 'compatibleRuntime' "
            "failed to satisfy constraint: Member must satisfy enum value set: [nodejs, "), message)
        self.assertError(lambda: c.list_layers(CompatibleArchitecture="archdoesnotexist"),
                         "ValidationException",
                         "1 validation error detected: Value 'archdoesnotexist' at "
                         "'compatibleArchitecture' failed to satisfy constraint: Member must "
                         "satisfy enum value set: [x86_64, arm64]", 400)
        with self.assertRaises(ClientError) as cm:
            self.publish("err-lay", CompatibleRuntimes=["invalidruntime"],
                         CompatibleArchitectures=["invalidarch"])
        message = cm.exception.response["Error"]["Message"]
        self.assertTrue(message.startswith(
            "2 validation errors detected: Value '[invalidruntime]' at 'compatibleRuntimes' "
            "failed to satisfy constraint: Member must satisfy enum value set: [nodejs, "),
            message)
        self.assertTrue(message.endswith(
            "; Value '[invalidarch]' at 'compatibleArchitectures' failed to satisfy constraint: "
            "Member must satisfy constraint: [Member must satisfy enum value set: "
            "[x86_64, arm64]]"), message)

    def test_function_layer_errors(self):
        c = self.client
        one = self.publish("fn-lay")["LayerVersionArn"]
        two = self.publish("fn-lay")["LayerVersionArn"]
        self.assertError(lambda: create_function(c, "lay-bad", Layers=[LAYER_PREFIX + "fn-lay:99"]),
                         "InvalidParameterValueException",
                         f"Layer version {LAYER_PREFIX}fn-lay:99 does not exist.", 400)
        self.assertError(lambda: create_function(c, "lay-bad", Layers=[one, two]),
                         "InvalidParameterValueException",
                         "Two different versions of the same layer are not allowed to be "
                         f"referenced in the same function. {one} and {two} are versions of the "
                         "same layer.", 400)


def pages(call, key, **kwargs):
    """Every page of a List operation, following NextMarker."""
    result, marker = [], None
    while True:
        page = call(**kwargs, **({"Marker": marker} if marker else {}))
        result.append(page[key])
        marker = page.get("NextMarker")
        if not marker:
            return result


class PagingTest(ServerCase):
    """ListFunctionEventInvokeConfigs, ListFunctionUrlConfigs, ListLayers and
    ListLayerVersions: MaxItems items a page (at most 50), NextMarker while
    more remain, the marker being the item the next page starts at."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        c = cls.client
        create_function(c, "page-fn")
        for n in range(1, 4):
            # A version a code: publishing unchanged code gives the last version again.
            if n > 1:
                c.update_function_code(FunctionName="page-fn",
                                       ZipFile=zip_of({"index.py": HANDLER + b"#%d\n" % n}))
            c.publish_version(FunctionName="page-fn")
            c.create_alias(FunctionName="page-fn", Name=f"a{n}", FunctionVersion=str(n))

    def test_event_invoke_configs(self):
        c = self.client
        qualifiers = ["$LATEST", "1", "2", "3", "a1", "a2", "a3"]
        for q in qualifiers:
            c.put_function_event_invoke_config(FunctionName="page-fn", Qualifier=q,
                                               MaximumRetryAttempts=1)
        arns = [ARN_PREFIX + "page-fn:" + q for q in qualifiers]
        got = pages(c.list_function_event_invoke_configs, "FunctionEventInvokeConfigs",
                    FunctionName="page-fn", MaxItems=3)
        self.assertEqual([[x["FunctionArn"] for x in page] for page in got],
                         [arns[0:3], arns[3:6], arns[6:]])
        first = c.list_function_event_invoke_configs(FunctionName="page-fn", MaxItems=3)
        self.assertEqual(first["NextMarker"], arns[3])
        whole = c.list_function_event_invoke_configs(FunctionName="page-fn")
        self.assertNotIn("NextMarker", whole)
        self.assertEqual(len(whole["FunctionEventInvokeConfigs"]), 7)
        # botocore refuses MaxItems 0 itself; the server still checks it.
        r = self.raw("GET", "/2019-09-25/functions/page-fn/event-invoke-config/list?MaxItems=0")
        self.assertEqual((r.status, r.json()["message"]),
                         (400, "1 validation error detected: Value '0' at 'maxItems' failed to "
                          "satisfy constraint: Member must have value greater than or equal to 1"))
        for q in qualifiers:
            c.delete_function_event_invoke_config(FunctionName="page-fn", Qualifier=q)

    def test_url_configs(self):
        c = self.client
        c.create_function_url_config(FunctionName="page-fn", AuthType="NONE")
        for n in range(1, 4):
            c.create_function_url_config(FunctionName="page-fn", Qualifier=f"a{n}",
                                         AuthType="NONE")
        arns = [ARN_PREFIX + "page-fn"] + [ARN_PREFIX + f"page-fn:a{n}" for n in range(1, 4)]
        got = pages(c.list_function_url_configs, "FunctionUrlConfigs", FunctionName="page-fn",
                    MaxItems=2)
        self.assertEqual([[x["FunctionArn"] for x in page] for page in got],
                         [arns[0:2], arns[2:4]])
        resumed = c.list_function_url_configs(FunctionName="page-fn", Marker=arns[1])
        self.assertEqual([x["FunctionArn"] for x in resumed["FunctionUrlConfigs"]], arns[1:])
        self.assertNotIn("NextMarker", resumed)
        c.delete_function_url_config(FunctionName="page-fn")
        for n in range(1, 4):
            c.delete_function_url_config(FunctionName="page-fn", Qualifier=f"a{n}")

    def test_layers_and_layer_versions(self):
        c = self.client
        names = [f"page-lay-{n}" for n in range(5)]
        for name in names:
            c.publish_layer_version(LayerName=name, Content={"ZipFile": zip_of({"a": b"a"})})
        for _ in range(4):
            c.publish_layer_version(LayerName="page-lay-0", Content={"ZipFile": zip_of({"a": b""})})
        got = pages(c.list_layers, "Layers", MaxItems=2)
        self.assertEqual([len(page) for page in got], [2, 2, 1])
        self.assertEqual([x["LayerName"] for page in got for x in page], names)
        self.assertEqual(c.list_layers(MaxItems=2)["NextMarker"], names[2])
        versions = pages(c.list_layer_versions, "LayerVersions", LayerName="page-lay-0",
                         MaxItems=2)
        self.assertEqual([[v["Version"] for v in page] for page in versions],
                         [[5, 4], [3, 2], [1]])
        # A marker whose version is gone since starts at the next older one.
        marker = c.list_layer_versions(LayerName="page-lay-0", MaxItems=1)["NextMarker"]
        self.assertEqual(marker, "4")
        c.delete_layer_version(LayerName="page-lay-0", VersionNumber=4)
        after = c.list_layer_versions(LayerName="page-lay-0", Marker=marker)["LayerVersions"]
        self.assertEqual([v["Version"] for v in after], [3, 2, 1])
        # At most 50 a page, whatever MaxItems asks for.
        for n in range(5, 52):
            c.publish_layer_version(LayerName=f"page-lay-{n}",
                                    Content={"ZipFile": zip_of({"a": b"a"})})
        # (botocore would refuse MaxItems above 50 itself.)
        big = self.raw("GET", "/2018-10-31/layers?MaxItems=1000").json()
        self.assertEqual(len(big["Layers"]), 50)
        self.assertEqual(big["NextMarker"], sorted(f"page-lay-{n}" for n in range(52))[50])
        r = self.raw("GET", "/2018-10-31/layers/page-lay-0/versions?MaxItems=10001")
        self.assertEqual((r.status, r.json()["message"]),
                         (400, "1 validation error detected: Value '10001' at 'maxItems' failed "
                          "to satisfy constraint: Member must have value less than or equal to "
                          "10000"))


class LayerPermissionTest(ServerCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client.publish_layer_version(LayerName="perm-lay",
                                         Content={"ZipFile": zip_of({"a": b"a"})})

    def test_add_get_remove(self):
        c = self.client
        added = c.add_layer_version_permission(LayerName="perm-lay", VersionNumber=1,
                                               StatementId="s1", Action="lambda:GetLayerVersion",
                                               Principal="*")
        self.assertEqual(added["ResponseMetadata"]["HTTPStatusCode"], 201)
        self.assertEqual(json.loads(added["Statement"]),
                         {"Sid": "s1", "Effect": "Allow", "Principal": "*",
                          "Action": "lambda:GetLayerVersion", "Resource": LAYER_PREFIX + "perm-lay:1"})
        # The statement's keys in Lambda's order.
        self.assertTrue(added["Statement"].startswith('{"Sid":"s1","Effect":"Allow"'))
        second = c.add_layer_version_permission(
            LayerName=LAYER_PREFIX + "perm-lay", VersionNumber=1, StatementId="s2",
            Action="lambda:GetLayerVersion", Principal="123456789012",
            OrganizationId="o-abcdefghij", RevisionId=added["RevisionId"])
        self.assertEqual(json.loads(second["Statement"])["Principal"],
                         {"AWS": "arn:aws:iam::123456789012:root"})
        self.assertEqual(json.loads(second["Statement"])["Condition"],
                         {"StringEquals": {"aws:PrincipalOrgID": "o-abcdefghij"}})
        got = c.get_layer_version_policy(LayerName="perm-lay", VersionNumber=1)
        self.assertEqual(got["RevisionId"], second["RevisionId"])
        policy = json.loads(got["Policy"])
        self.assertEqual((policy["Version"], policy["Id"]), ("2012-10-17", "default"))
        self.assertEqual([s["Sid"] for s in policy["Statement"]], ["s1", "s2"])
        self.assertError(lambda: c.remove_layer_version_permission(
                             LayerName="perm-lay", VersionNumber=1, StatementId="s1",
                             RevisionId=added["RevisionId"]),
                         "PreconditionFailedException",
                         "The Revision Id provided does not match the latest Revision Id. Call "
                         "the GetLayerPolicy API to retrieve the latest Revision Id", 412)
        c.remove_layer_version_permission(LayerName="perm-lay", VersionNumber=1,
                                          StatementId="s1", RevisionId=got["RevisionId"])
        policy = json.loads(c.get_layer_version_policy(LayerName="perm-lay",
                                                       VersionNumber=1)["Policy"])
        self.assertEqual([s["Sid"] for s in policy["Statement"]], ["s2"])
        c.remove_layer_version_permission(LayerName="perm-lay", VersionNumber=1,
                                          StatementId="s2")
        self.assertError(lambda: c.get_layer_version_policy(LayerName="perm-lay",
                                                            VersionNumber=1),
                         "ResourceNotFoundException",
                         "No policy is associated with the given resource.", 404)

    def test_errors(self):
        c = self.client
        c.publish_layer_version(LayerName="perm-err", Content={"ZipFile": zip_of({"a": b"a"})})
        add = lambda **kw: c.add_layer_version_permission(
            **{"LayerName": "perm-err", "VersionNumber": 1, "StatementId": "s1",
               "Action": "lambda:GetLayerVersion", "Principal": "*", **kw})
        self.assertError(lambda: add(Action="*"), "ValidationException",
                         "1 validation error detected: Value '*' at 'action' failed to satisfy "
                         "constraint: Member must satisfy regular expression pattern: "
                         "lambda:GetLayerVersion", 400)
        for kw in ({"VersionNumber": 9}, {"LayerName": "nosuchlayer"}):
            name = kw.get("LayerName", "perm-err")
            number = kw.get("VersionNumber", 1)
            self.assertError(lambda: add(**kw), "ResourceNotFoundException",
                             f"Layer version {LAYER_PREFIX}{name}:{number} does not exist.", 404)
        self.assertError(lambda: c.get_layer_version_policy(LayerName="perm-err",
                                                            VersionNumber=9),
                         "ResourceNotFoundException",
                         f"Layer version {LAYER_PREFIX}perm-err:9 does not exist.", 404)
        self.assertError(lambda: c.get_layer_version_policy(LayerName="perm-err",
                                                            VersionNumber=1),
                         "ResourceNotFoundException",
                         "No policy is associated with the given resource.", 404)
        self.assertError(lambda: c.remove_layer_version_permission(
                             LayerName="perm-err", VersionNumber=1, StatementId="s1"),
                         "ResourceNotFoundException",
                         "No policy is associated with the given resource.", 404)
        add()
        self.assertError(add, "ResourceConflictException",
                         "The statement id (s1) provided already exists. Please provide a new "
                         "statement id, or remove the existing statement.", 409)
        self.assertError(lambda: add(StatementId="s2", RevisionId="not-the-revision"),
                         "PreconditionFailedException",
                         "The Revision Id provided does not match the latest Revision Id. Call "
                         "the GetLayerPolicy API to retrieve the latest Revision Id", 412)
        self.assertError(lambda: c.remove_layer_version_permission(
                             LayerName="perm-err", VersionNumber=1, StatementId="nosuchsid"),
                         "ResourceNotFoundException",
                         "Statement nosuchsid is not found in resource policy.", 404)
        with self.assertRaises(ClientError) as cm:
            add(StatementId="s3", Principal="lambda.amazonaws.com")
        self.assertEqual(cm.exception.response["Error"]["Code"], "ValidationException")
        self.assertIn("at 'principal'", cm.exception.response["Error"]["Message"])
        # Versions are separate: version 2 has no policy of its own.
        c.publish_layer_version(LayerName="perm-err", Content={"ZipFile": zip_of({"b": b"b"})})
        self.assertError(lambda: c.get_layer_version_policy(LayerName="perm-err",
                                                            VersionNumber=2),
                         "ResourceNotFoundException",
                         "No policy is associated with the given resource.", 404)


class PersistenceAndLayerUseTest(unittest.TestCase):
    """A function runs a module shipped only in its layer's python/ folder, and
    every configuration survives a restart on the same --state-dir."""

    def setUp(self):
        self.state_dir = tempfile.mkdtemp(prefix="lambda-emu-configs-")
        self.addCleanup(shutil.rmtree, self.state_dir, True)
        self.emu = None
        self.addCleanup(self.stop)

    def stop(self):
        if self.emu:
            code = self.emu.stop()
            self.emu.__exit__(None, None, None)
            self.emu = None
            self.assertEqual(code, 0)

    def invoke_value(self, client, name):
        r = client.invoke(FunctionName=name, Payload=b"{}")
        payload = json.loads(r["Payload"].read())
        self.assertNotIn("FunctionError", r, payload)
        return payload["value"]

    def test_survives_restart(self):
        self.emu = start_server(self.state_dir)
        c = self.emu.boto3_client()
        layer = c.publish_layer_version(
            LayerName="shared", CompatibleRuntimes=["python3.12"],
            Content={"ZipFile": zip_of({"python/layer_mod.py": b"VALUE = 'from-layer'\n"})})
        create_function(c, "uses-layer", code=LAYER_HANDLER, Layers=[layer["LayerVersionArn"]])
        self.assertEqual(self.invoke_value(c, "uses-layer"), "from-layer")
        create_function(c, "dest")
        c.publish_version(FunctionName="uses-layer")
        c.create_alias(FunctionName="uses-layer", Name="live", FunctionVersion="1")
        c.put_function_event_invoke_config(
            FunctionName="uses-layer", MaximumRetryAttempts=1,
            DestinationConfig={"OnSuccess": {"Destination": ARN_PREFIX + "dest"}})
        url = c.create_function_url_config(FunctionName="uses-layer", Qualifier="live",
                                           AuthType="NONE")["FunctionUrl"]
        c.add_permission(FunctionName="uses-layer", StatementId="s1", Action="lambda:*",
                         Principal="*")
        revision = c.get_policy(FunctionName="uses-layer")["RevisionId"]
        arn = ARN_PREFIX + "uses-layer"
        c.tag_resource(Resource=arn, Tags={"team": "core"})
        layer_policy = c.add_layer_version_permission(
            LayerName="shared", VersionNumber=1, StatementId="everyone",
            Action="lambda:GetLayerVersion", Principal="*")
        self.stop()

        self.emu = start_server(self.state_dir)
        c = self.emu.boto3_client()
        self.assertEqual(self.invoke_value(c, "uses-layer"), "from-layer")
        eic = c.get_function_event_invoke_config(FunctionName="uses-layer")
        self.assertEqual((eic["MaximumRetryAttempts"], eic["DestinationConfig"]["OnSuccess"]),
                         (1, {"Destination": ARN_PREFIX + "dest"}))
        self.assertEqual(c.get_function_url_config(FunctionName="uses-layer",
                                                   Qualifier="live")["FunctionUrl"], url)
        policy = c.get_policy(FunctionName="uses-layer")
        self.assertEqual(policy["RevisionId"], revision)
        self.assertEqual([s["Sid"] for s in json.loads(policy["Policy"])["Statement"]], ["s1"])
        self.assertEqual(c.list_tags(Resource=arn)["Tags"], {"team": "core"})
        self.assertEqual(c.get_layer_version(LayerName="shared", VersionNumber=1)["Content"]
                         ["CodeSha256"], layer["Content"]["CodeSha256"])
        layer_policy_after = c.get_layer_version_policy(LayerName="shared", VersionNumber=1)
        self.assertEqual(layer_policy_after["RevisionId"], layer_policy["RevisionId"])
        self.assertEqual([s["Sid"] for s in json.loads(layer_policy_after["Policy"])["Statement"]],
                         ["everyone"])
        # A new version of the layer continues the numbering.
        again = c.publish_layer_version(LayerName="shared",
                                        Content={"ZipFile": zip_of({"python/y.py": b""})})
        self.assertEqual(again["Version"], 2)


if __name__ == "__main__":
    unittest.main()

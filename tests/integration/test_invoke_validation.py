"""Invoke API fidelity (issue 11): FunctionName and Qualifier validation worded as Lambda words
it, several violations in one message, names Lambda answers 404 for, ARNs of another region,
$LATEST.PUBLISHED, the invoked ARN the runtime sees, and no Retry-After on Invoke's errors.

Starts the real lambda-emu with the probe runtime and talks HTTP to it.
"""
import unittest
from urllib.parse import quote

from emu import probe_function, serve_for_class

ACCOUNT = "000000000000"
REGION = "us-east-1"
ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:probe"

# What Lambda quotes for Invoke's FunctionName and Qualifier (botocore's lambda model).
NAME_PATTERN = (r"(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?"
                r"(\d{12}:)?(function:)?([a-zA-Z0-9-_\.]+)(:(\$LATEST(\.PUBLISHED)?|[a-zA-Z0-9-_]+))?")
QUALIFIER_PATTERN = r"\$(LATEST(\.PUBLISHED)?)|[a-zA-Z0-9-_$]+"


def violation(value, member, constraint):
    return f"Value '{value}' at '{member}' failed to satisfy constraint: {constraint}"


def name_pattern(value):
    return violation(value, "functionName",
                     f"Member must satisfy regular expression pattern: {NAME_PATTERN}")


def qualifier_pattern(value):
    return violation(value, "qualifier",
                     f"Member must satisfy regular expression pattern: {QUALIFIER_PATTERN}")


def too_long(value, member, limit):
    return violation(value, member, f"Member must have length less than or equal to {limit}")


class InvokeValidationTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = serve_for_class(cls, {
            "probe": probe_function(),
            "disabled": probe_function(ReservedConcurrentExecutions=0),
        })

    # -- helpers -----------------------------------------------------------
    def invoke(self, name, qualifier=None, headers=None, payload=b"{}"):
        """POSTs to /functions/{name}/invocations with name and qualifier percent-encoded as
        the SDKs encode them."""
        path = f"/2015-03-31/functions/{quote(name, safe='')}/invocations"
        if qualifier is not None:
            path += "?Qualifier=" + quote(qualifier, safe="")
        return self.emu.request("POST", path, payload, headers)

    def assertApiError(self, r, status, error_type, message):
        """r is Lambda's error: status, x-amzn-ErrorType, a JSON body with Type and the exact
        message, a request id, and no Retry-After."""
        self.assertEqual(r.status, status, r)
        self.assertEqual(r.header("x-amzn-ErrorType"), error_type, r)
        self.assertIsNotNone(r.header("x-amzn-RequestId"), r)
        self.assertIsNone(r.header("Retry-After"), r)
        body = r.json()
        self.assertEqual(body.get("Type"), "User", body)
        # Lambda capitalises the key for ResourceNotFoundException only.
        key = "Message" if error_type == "ResourceNotFoundException" else "message"
        self.assertEqual(body.get(key), message, body)

    def assertValidation(self, r, *violations):
        n = len(violations)
        self.assertApiError(
            r, 400, "ValidationException",
            f"{n} validation error{'s' if n > 1 else ''} detected: " + "; ".join(violations))

    def assertNotFound(self, r, qualified_arn):
        self.assertApiError(r, 404, "ResourceNotFoundException",
                            f"Function not found: {qualified_arn}")

    def invoked_arn(self, name, qualifier=None):
        r = self.invoke(name, qualifier, payload=b'{"env": true}')
        self.assertEqual(r.status, 200, r)
        return r.json()["headers"].get("lambda-runtime-invoked-function-arn")

    # -- FunctionName --------------------------------------------------------
    def test_malformed_name_quotes_the_pattern(self):
        for name in ("bad!name", "has space", "probe:v1.2", "probe:", "a:b:c:d:e",
                     "arn:aws:s3:::bucket"):
            with self.subTest(name=name):
                self.assertValidation(self.invoke(name), name_pattern(name))

    def test_names_of_65_to_256_characters_are_not_found_rather_than_invalid(self):
        # No function can have such a name, but Invoke's length limit is the full ARN's.
        for n in (65, 140, 141, 170, 256):
            with self.subTest(length=n):
                name = "a" * n
                self.assertNotFound(self.invoke(name),
                                    f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}:$LATEST")

    def test_name_over_256_characters_is_a_length_error(self):
        name = "a" * 257
        self.assertValidation(self.invoke(name), too_long(name, "functionName", 256))

    def test_long_and_malformed_name_reports_both_length_first(self):
        name = "!" * 300
        self.assertValidation(self.invoke(name), too_long(name, "functionName", 256),
                              name_pattern(name))

    def test_name_that_is_not_utf8_still_gets_a_json_error(self):
        r = self.emu.invoke("bad%FFname")
        self.assertValidation(r, name_pattern("bad\ufffdname"))

    # -- Qualifier -----------------------------------------------------------
    def test_malformed_qualifier_quotes_the_pattern(self):
        for qualifier in ("v1.2", "has space", "$LATEST.DRAFT", "a:b"):
            with self.subTest(qualifier=qualifier):
                self.assertValidation(self.invoke("probe", qualifier),
                                      qualifier_pattern(qualifier))

    def test_qualifier_of_129_characters_is_a_length_error(self):
        qualifier = "q" * 129
        self.assertValidation(self.invoke("probe", qualifier),
                              too_long(qualifier, "qualifier", 128))

    def test_qualifier_of_128_characters_is_well_formed_and_not_found(self):
        qualifier = "q" * 128
        self.assertNotFound(self.invoke("probe", qualifier), f"{ARN}:{qualifier}")

    def test_long_and_malformed_qualifier_reports_both_length_first(self):
        qualifier = "." * 129
        self.assertValidation(self.invoke("probe", qualifier),
                              too_long(qualifier, "qualifier", 128), qualifier_pattern(qualifier))

    def test_latest_published_is_well_formed_and_not_found(self):
        # Lambda Managed Instances' $LATEST.PUBLISHED: lambda-emu publishes no versions.
        for name, qualifier in (("probe:$LATEST.PUBLISHED", None), ("probe", "$LATEST.PUBLISHED"),
                                (f"{ARN}:$LATEST.PUBLISHED", None)):
            with self.subTest(name=name, qualifier=qualifier):
                self.assertNotFound(self.invoke(name, qualifier), f"{ARN}:$LATEST.PUBLISHED")

    # -- several violations --------------------------------------------------
    def test_every_violation_is_reported_in_one_message_in_member_order(self):
        name, qualifier = "bad name", "v1.2"
        r = self.invoke(name, qualifier, headers={"X-Amz-Invocation-Type": "Sometimes",
                                                  "X-Amz-Log-Type": "Verbose"})
        self.assertValidation(
            r, name_pattern(name),
            violation("Sometimes", "invocationType",
                      "Member must satisfy enum value set: [Event, RequestResponse, DryRun]"),
            violation("Verbose", "logType", "Member must satisfy enum value set: [Tail, None]"),
            qualifier_pattern(qualifier))

    def test_name_and_qualifier_violations_together(self):
        name, qualifier = "a" * 257, "q" * 129
        self.assertValidation(self.invoke(name, qualifier), too_long(name, "functionName", 256),
                              too_long(qualifier, "qualifier", 128))

    def test_a_known_function_with_a_bad_qualifier_is_still_a_validation_error(self):
        self.assertValidation(self.invoke(ARN, "v1.2"), qualifier_pattern("v1.2"))

    # -- regions and accounts ------------------------------------------------
    def test_arn_of_another_region_is_not_reachable(self):
        for name in (f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:probe",
                     f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:probe:$LATEST",
                     "arn:aws:lambda:eu-west-1:123456789012:function:elsewhere"):
            with self.subTest(name=name):
                self.assertApiError(
                    self.invoke(name), 404, "ResourceNotFoundException",
                    "Functions from 'eu-west-1' are not reachable in this region ('us-east-1')")

    def test_arn_of_another_account_is_not_found(self):
        self.assertNotFound(self.invoke("arn:aws:lambda:us-east-1:123456789012:function:probe"),
                            "arn:aws:lambda:us-east-1:123456789012:function:probe:$LATEST")

    def test_qualifier_in_name_and_query_must_agree(self):
        self.assertApiError(
            self.invoke("probe:$LATEST", "live"), 400, "InvalidParameterValueException",
            "The derived qualifier from the function name does not match the specified qualifier.")

    # -- the invoked ARN the runtime sees ------------------------------------
    def test_invoked_arn_keeps_the_qualifier_the_caller_gave(self):
        cases = (
            ("probe", None, ARN),
            ("probe:$LATEST", None, f"{ARN}:$LATEST"),
            ("probe", "$LATEST", f"{ARN}:$LATEST"),
            (ARN, None, ARN),
            (f"{ARN}:$LATEST", None, f"{ARN}:$LATEST"),
            (ARN, "$LATEST", f"{ARN}:$LATEST"),
            (f"{ACCOUNT}:function:probe", None, ARN),
            (f"{ACCOUNT}:function:probe:$LATEST", None, f"{ARN}:$LATEST"),
            (f"{ACCOUNT}:function:probe", "$LATEST", f"{ARN}:$LATEST"),
        )
        for name, qualifier, expected in cases:
            with self.subTest(name=name, qualifier=qualifier):
                self.assertEqual(self.invoked_arn(name, qualifier), expected)

    # -- Retry-After -----------------------------------------------------------
    def test_throttle_has_no_retry_after(self):
        r = self.invoke("disabled")
        self.assertEqual(r.status, 429, r)
        self.assertEqual(r.header("x-amzn-ErrorType"), "TooManyRequestsException", r)
        self.assertIsNone(r.header("Retry-After"), r)
        self.assertEqual(r.json(), {"Type": "User", "message": "Rate Exceeded.",
                                    "Reason": "ReservedFunctionConcurrentInvocationLimitExceeded"})


if __name__ == "__main__":
    unittest.main()

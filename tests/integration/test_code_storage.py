"""The account's code storage quota (--code-storage-limit, Lambda's 75 GB by
default): every version's package and every layer version count; past the
limit CreateFunction, UpdateFunctionCode and PublishLayerVersion get 400
CodeStorageExceededException, and GetAccountSettings reports the limit.
"""
import io
import os
import unittest
import zipfile

from emu import EmuServer

ROLE = "arn:aws:iam::000000000000:role/x"


def zip_of(size):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as z:
        z.writestr("app.py", "def handler(e, c): return 1\n")
        z.writestr("padding.bin", os.urandom(size))
    return buffer.getvalue()


class CodeStorageTest(unittest.TestCase):
    def test_packages_past_the_limit_are_refused(self):
        with EmuServer({}, args=["--ephemeral", "--code-storage-limit", "3000"]) as emu:
            c = emu.boto3_client()
            self.assertEqual(c.get_account_settings()["AccountLimit"]["TotalCodeSize"], 3000)
            small = zip_of(1000)
            c.create_function(FunctionName="one", Runtime="python3.12", Role=ROLE,
                              Handler="app.handler", Code={"ZipFile": small}, Publish=True)
            # $LATEST and version 1 both count: about 2.5 KB of 3 KB.
            for call in (
                lambda: c.create_function(FunctionName="two", Runtime="python3.12", Role=ROLE,
                                          Handler="app.handler", Code={"ZipFile": small}),
                lambda: c.update_function_code(FunctionName="one", ZipFile=zip_of(1500)),
                lambda: c.publish_layer_version(LayerName="deps", Content={"ZipFile": small}),
            ):
                with self.assertRaises(c.exceptions.CodeStorageExceededException) as raised:
                    call()
                error = raised.exception.response
                self.assertEqual(error["ResponseMetadata"]["HTTPStatusCode"], 400)
                self.assertEqual(error["Error"]["Message"], "Code storage limit exceeded.")
            names = [f["FunctionName"] for f in c.list_functions()["Functions"]]
            self.assertEqual(names, ["one"])


if __name__ == "__main__":
    unittest.main()

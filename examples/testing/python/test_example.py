"""Testing the SAM app in examples/sam-app against lambda-emu, with pytest.

    cd examples/testing/python && python3 -m pytest

pytest.ini names the template; the `lambda_emu` fixture starts one server for
the session and resets its counters before each test.
"""
import json
import urllib.request

import pytest


def test_invoke_returns_the_greeting(lambda_emu):
    result = lambda_emu.invoke("HelloWorldFunction", {"queryStringParameters": {"name": "pytest"}})
    assert result.status == 200 and result.function_error is None, result
    body = json.loads(result.json()["body"])
    assert body == {"message": "hello pytest", "stage": "dev", "service": "sam-app-dev"}


@pytest.mark.lambda_emu(cold=True)
def test_first_invoke_is_the_only_cold_start(lambda_emu):
    # cold=True stopped the environments earlier tests left warm.
    for _ in range(3):
        assert lambda_emu.invoke("HelloWorldFunction", {}).status == 200
    lambda_emu.assert_counts("HelloWorldFunction", cold_starts=1, warm_starts=2, errors=0)


def test_the_functions_log_for_one_request(lambda_emu):
    result = lambda_emu.invoke("HelloWorldFunction", {})
    lines = lambda_emu.log_for(result.request_id, "HelloWorldFunction")
    assert lines[0].startswith(f"START RequestId: {result.request_id}")
    assert any("HelloWorldFunction: hello world (dev)" in line for line in lines), lines
    assert lines[-1].startswith(f"REPORT RequestId: {result.request_id}")


def test_boto3_client(lambda_emu):
    boto3 = pytest.importorskip("boto3")  # noqa: F841 - only needed by client()
    response = lambda_emu.client().invoke(FunctionName="HelloNodeFunction",
                                          Payload=json.dumps({"rawPath": "/hello-node"}))
    assert response["StatusCode"] == 200 and "FunctionError" not in response
    assert json.loads(json.load(response["Payload"])["body"])["message"] == "hello world"


def test_through_the_api_gateway(lambda_emu):
    # The template's Api event: GET /hello on the local API Gateway.
    with urllib.request.urlopen(lambda_emu.api_url + "/hello?name=api", timeout=30) as response:
        assert response.status == 200
        assert json.load(response)["message"] == "hello api"
    lambda_emu.assert_counts("HelloWorldFunction", invocations=1)


@pytest.mark.lambda_emu(config="../../lambda-emu.yaml")
def test_a_server_of_its_own(lambda_emu):
    # A marker with template= or config= gives the test its own server.
    result = lambda_emu.invoke("hello", {"name": "marker"})
    assert result.json()["message"] == "Hello, marker!"
    lambda_emu.assert_cold_starts("hello", 1)

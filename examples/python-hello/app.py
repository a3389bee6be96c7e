import os

GREETING = os.environ.get("GREETING", "Hello")


def handler(event, context):
    name = (event or {}).get("name", "world")
    print(f"greeting {name}")  # a log line: see it on the console and with --log-type Tail
    return {
        "message": f"{GREETING}, {name}!",
        "requestId": context.aws_request_id,
        "remainingMs": context.get_remaining_time_in_millis(),
    }

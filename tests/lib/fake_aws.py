"""A fake AWS endpoint for integration tests: SQS, SNS, EventBridge and S3, SigV4-checked.

    with FakeAws() as aws:                        # listening on 127.0.0.1, port 0
        ... start lambda-emu with --aws-endpoint-url aws.url ...
        [msg] = aws.wait_for(1, timeout=10)
        assert msg["service"] == "sqs" and json.loads(msg["body"]) == {...}
        aws.fail_next(2)                          # the next 2 get 400 (NonExistentQueue...)

It understands the four operations lambda-emu sends for async destinations and
dead-letter queues, in the wire formats the current AWS SDKs use:

    sqs     SendMessage  POST /, JSON 1.0, X-Amz-Target: AmazonSQS.SendMessage
    sns     Publish      POST /, form-encoded query protocol, Action=Publish
    events  PutEvents    POST /, JSON 1.1, X-Amz-Target: AWSEvents.PutEvents
    s3      PutObject    PUT /BUCKET/KEY (path style); GET /BUCKET/KEY reads it back

Every request's SigV4 signature is recomputed with botocore's own signer over the
received method, path, query, signed headers and body with the known credentials
(default "test"/"test", LocalStack's), and a mismatch is answered 403
SignatureDoesNotMatch as AWS answers it; so is a request signed more than 15 minutes
from now (403 RequestExpired; S3: RequestTimeTooSkewed). S3 bodies are also checked against
x-amz-content-sha256. Queues, topics, buses and buckets need not be created:
any name is accepted.

Each accepted message is recorded as a dict:
    service      "sqs" | "sns" | "events" | "s3"
    operation    "SendMessage" | "Publish" | "PutEvents" | "PutObject"
    target       the queue URL, topic ARN, event bus name/ARN, or "BUCKET/KEY"
    region       the region the request was signed for
    body         SQS MessageBody, SNS Message, EventBridge Detail, S3 object (str)
    attributes   {name: value} of SQS/SNS message attributes
    attribute_types  {name: DataType} of the same ("String", "Number"), SQS/SNS only
    detail_type, source, resources   EventBridge only
    bucket, object_key               S3 only
    headers      the request's headers (lower-case names)

Python standard library plus botocore (the default python3 has it).
"""

import base64
import calendar
import hashlib
import http.server
import json
import struct
import threading
import time
import urllib.parse
import uuid

from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

SIGNATURE_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. "
    "Consult the service documentation for details."
)

# What fail_next() answers when no code is given: the error each service
# returns for a destination that does not exist.
DEFAULT_ERRORS = {
    "sqs": ("AWS.SimpleQueueService.NonExistentQueue", "The specified queue does not exist."),
    "sns": ("NotFound", "Topic does not exist"),
    "events": ("ResourceNotFoundException", "Event bus does not exist."),
    "s3": ("NoSuchBucket", "The specified bucket does not exist"),
}

MAX_CLOCK_SKEW_S = 15 * 60

SNS_XMLNS = "http://sns.amazonaws.com/doc/2010-03-31/"


def _xml_escape(text):
    return (str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def sqs_md5_of_attributes(attributes):
    """MD5OfMessageAttributes as SQS computes it, for {name: {"DataType", "StringValue"}}."""
    digest = hashlib.md5()
    for name in sorted(attributes):
        value = attributes[name]
        data_type = value.get("DataType", "String")
        digest.update(struct.pack(">I", len(name.encode())) + name.encode())
        digest.update(struct.pack(">I", len(data_type.encode())) + data_type.encode())
        if "BinaryValue" in value:
            raw = value["BinaryValue"]
            raw = base64.b64decode(raw) if isinstance(raw, str) else raw
            digest.update(b"\x02" + struct.pack(">I", len(raw)) + raw)
        else:
            raw = str(value.get("StringValue", "")).encode()
            digest.update(b"\x01" + struct.pack(">I", len(raw)) + raw)
    return digest.hexdigest()


class _Reject(Exception):
    """An AWS error answer: HTTP status, error code, message."""

    def __init__(self, status, code, message):
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


class FakeAws:
    def __init__(self, access_key="test", secret_key="test", host="127.0.0.1"):
        self.access_key = access_key
        self.secret_key = secret_key
        self._host = host
        self._lock = threading.Condition()
        self._messages = []
        self._objects = {}
        self._failures = []  # [(status, code or None, message or None)], one per request
        self.rejected = []  # (service, reason) of every request answered with an error
        self._server = None
        self._thread = None

    # -- the API --------------------------------------------------------------------------

    def start(self):
        fake = self

        class Handler(_Handler):
            owner = fake

        self._server = http.server.ThreadingHTTPServer((self._host, 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()
        return self

    @property
    def url(self):
        return f"http://{self._host}:{self._server.server_address[1]}"

    def messages(self, service=None):
        with self._lock:
            return [dict(m) for m in self._messages if service is None or m["service"] == service]

    def wait_for(self, n, timeout=10.0, service=None):
        """Waits until at least n messages (of `service`) arrived; returns them all.

        Raises AssertionError on timeout, listing what did arrive and what was rejected."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                found = [dict(m) for m in self._messages
                         if service is None or m["service"] == service]
                if len(found) >= n:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"FakeAws: {len(found)} of {n} messages after {timeout} s; "
                        f"got {found!r}; rejected {self.rejected!r}")
                self._lock.wait(left)

    def fail_next(self, n=1, status=400, code=None, message=None):
        """The next n correctly signed requests fail with `status` and AWS error `code`.

        code/message default to the service's "does not exist" error. For PutEvents a
        status of 200 answers FailedEntryCount 1 with the entry's ErrorCode instead."""
        with self._lock:
            self._failures.extend([(status, code, message)] * n)

    def objects(self):
        """{"BUCKET/KEY": bytes} of every object put."""
        with self._lock:
            return dict(self._objects)

    def stop(self):
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # -- used by the handler --------------------------------------------------------------

    def _take_failure(self):
        with self._lock:
            return self._failures.pop(0) if self._failures else None

    def _record(self, message):
        with self._lock:
            self._messages.append(message)
            self._lock.notify_all()

    def _note_rejected(self, service, reason):
        with self._lock:
            self.rejected.append((service, reason))
            self._lock.notify_all()


class _Handler(http.server.BaseHTTPRequestHandler):
    owner = None  # FakeAws, set by a subclass per server
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    # -- dispatch -------------------------------------------------------------------------

    def do_POST(self):
        self._handle()

    def do_PUT(self):
        self._handle()

    def do_GET(self):
        self._handle()

    def _handle(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if "aws-chunked" in (self.headers.get("Content-Encoding") or ""):
            body = _decode_aws_chunked(body)
        service, operation = self._classify(body)
        try:
            if service is None:
                raise _Reject(400, "InvalidAction",
                              f"unknown operation: {self.command} {self.path}")
            region = self._verify_signature(service, body)
            failure = self.owner._take_failure()
            if failure is not None:
                status, code, message = failure
                default_code, default_message = DEFAULT_ERRORS[service]
                code, message = code or default_code, message or default_message
                if not (service == "events" and status == 200):
                    raise _Reject(status, code, message)
                self.owner._note_rejected(service, f"FailedEntryCount 1 {code}")
                self._send_json(200, {"FailedEntryCount": 1, "Entries": [
                    {"ErrorCode": code, "ErrorMessage": message}]}, "1.1")
                return
            getattr(self, "_" + operation)(body, region)
        except _Reject as reject:
            self.owner._note_rejected(service, str(reject))
            self._send_error(service, reject)

    def _classify(self, body):
        target = self.headers.get("X-Amz-Target") or ""
        if self.command == "POST" and target.startswith("AmazonSQS."):
            return "sqs", ("SendMessage" if target == "AmazonSQS.SendMessage" else "Unsupported")
        if self.command == "POST" and target.startswith("AWSEvents."):
            return "events", ("PutEvents" if target == "AWSEvents.PutEvents" else "Unsupported")
        content_type = self.headers.get("Content-Type") or ""
        if self.command == "POST" and content_type.startswith("application/x-www-form-urlencoded"):
            form = urllib.parse.parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
            action = form.get("Action", [""])[0]
            return "sns", ("Publish" if action == "Publish" else "Unsupported")
        path = urllib.parse.urlsplit(self.path).path
        if self.command in ("PUT", "GET") and path.count("/") >= 2 and len(path) > 2:
            return "s3", ("PutObject" if self.command == "PUT" else "GetObject")
        return None, None

    # -- SigV4 ----------------------------------------------------------------------------

    def _verify_signature(self, service, body):
        """Recomputes the signature with botocore; returns the signed region or raises."""
        authorization = self.headers.get("Authorization") or ""
        if not authorization.startswith("AWS4-HMAC-SHA256 "):
            raise _Reject(403, "MissingAuthenticationToken",
                          "Request is missing Authentication Token")
        fields = {}
        for part in authorization[len("AWS4-HMAC-SHA256 "):].split(","):
            name, _, value = part.strip().partition("=")
            fields[name] = value
        scope = fields.get("Credential", "").split("/")
        signed = [h for h in fields.get("SignedHeaders", "").split(";") if h]
        if len(scope) != 5 or scope[4] != "aws4_request" or not fields.get("Signature"):
            raise _Reject(400, "IncompleteSignature", f"malformed Authorization: {authorization}")
        access_key, date, region, scope_service, _ = scope
        if access_key != self.owner.access_key:
            code = "InvalidAccessKeyId" if service == "s3" else "InvalidClientTokenId"
            raise _Reject(403, code, "The security token included in the request is invalid.")
        if scope_service != service:
            raise _Reject(403, "SignatureDoesNotMatch",
                          f"Credential should be scoped to correct service: '{service}'.")
        amz_date = self.headers.get("X-Amz-Date") or ""
        if "host" not in signed or "x-amz-date" not in signed or not amz_date.startswith(date):
            raise _Reject(403, "SignatureDoesNotMatch", SIGNATURE_MISMATCH)
        # AWS refuses a request signed more than 15 minutes away from its own clock.
        try:
            signed_at = calendar.timegm(time.strptime(amz_date, "%Y%m%dT%H%M%SZ"))
        except ValueError:
            raise _Reject(403, "SignatureDoesNotMatch", f"bad X-Amz-Date {amz_date!r}")
        if abs(time.time() - signed_at) > MAX_CLOCK_SKEW_S:
            raise _Reject(403, "RequestTimeTooSkewed" if service == "s3" else "RequestExpired",
                          f"Signature expired: {amz_date} is not within 15 minutes of now.")
        if service == "s3":
            claimed = self.headers.get("x-amz-content-sha256")
            if claimed is None:
                raise _Reject(400, "InvalidRequest", "Missing required header for this request: "
                              "x-amz-content-sha256")
            if not claimed.startswith(("UNSIGNED-PAYLOAD", "STREAMING-")) and \
                    claimed != hashlib.sha256(body).hexdigest():
                raise _Reject(400, "XAmzContentSHA256Mismatch",
                              "The provided 'x-amz-content-sha256' header does not match what "
                              "was computed.")
        headers = {}
        for name in signed:
            values = self.headers.get_all(name)
            if values is None:
                raise _Reject(403, "SignatureDoesNotMatch", SIGNATURE_MISMATCH)
            headers[name] = ",".join(values)
        url = f"http://{self.headers.get('Host')}{self.path}"
        request = AWSRequest(method=self.command, url=url,
                             headers=headers, data=body)
        request.context["timestamp"] = amz_date
        signer_class = S3SigV4Auth if service == "s3" else SigV4Auth
        signer = signer_class(Credentials(self.owner.access_key, self.owner.secret_key),
                              service, region)
        canonical = signer.canonical_request(request)
        expected = signer.signature(signer.string_to_sign(request, canonical), request)
        if expected != fields["Signature"]:
            raise _Reject(403, "SignatureDoesNotMatch", SIGNATURE_MISMATCH)
        return region

    # -- operations -----------------------------------------------------------------------

    def _SendMessage(self, body, region):
        request = self._json_body(body, "sqs")
        if "QueueUrl" not in request or "MessageBody" not in request:
            raise _Reject(400, "MissingParameter", "QueueUrl and MessageBody are required.")
        raw_attributes = request.get("MessageAttributes") or {}
        message_body = request["MessageBody"]
        self._record("sqs", "SendMessage", request["QueueUrl"], region, message_body,
                     {k: v.get("StringValue", v.get("BinaryValue"))
                      for k, v in raw_attributes.items()},
                     attribute_types={k: v.get("DataType") for k, v in raw_attributes.items()})
        answer = {"MessageId": str(uuid.uuid4()),
                  "MD5OfMessageBody": hashlib.md5(message_body.encode()).hexdigest()}
        if raw_attributes:
            answer["MD5OfMessageAttributes"] = sqs_md5_of_attributes(raw_attributes)
        self._send_json(200, answer, "1.0")

    def _Publish(self, body, region):
        form = urllib.parse.parse_qs(body.decode("utf-8"), keep_blank_values=True)
        single = {k: v[0] for k, v in form.items()}
        target = single.get("TopicArn") or single.get("TargetArn")
        if not target or "Message" not in single:
            raise _Reject(400, "InvalidParameter", "TopicArn and Message are required.")
        attributes = {}
        types = {}
        n = 1
        while f"MessageAttributes.entry.{n}.Name" in single:
            prefix = f"MessageAttributes.entry.{n}."
            name = single[prefix + "Name"]
            attributes[name] = single.get(prefix + "Value.StringValue",
                                          single.get(prefix + "Value.BinaryValue"))
            types[name] = single.get(prefix + "Value.DataType")
            n += 1
        self._record("sns", "Publish", target, region, single["Message"], attributes,
                     attribute_types=types)
        message_id = str(uuid.uuid4())
        self._send(200, (f'<PublishResponse xmlns="{SNS_XMLNS}"><PublishResult>'
                         f"<MessageId>{message_id}</MessageId></PublishResult><ResponseMetadata>"
                         f"<RequestId>{uuid.uuid4()}</RequestId></ResponseMetadata>"
                         "</PublishResponse>").encode(), "text/xml")

    def _PutEvents(self, body, region):
        request = self._json_body(body, "events")
        entries = request.get("Entries") or []
        if not entries:
            raise _Reject(400, "ValidationException", "Entries must not be empty.")
        results = []
        for entry in entries:
            self._record("events", "PutEvents", entry.get("EventBusName", "default"), region,
                         entry.get("Detail"), {}, detail_type=entry.get("DetailType"),
                         source=entry.get("Source"), resources=entry.get("Resources", []))
            results.append({"EventId": str(uuid.uuid4())})
        self._send_json(200, {"FailedEntryCount": 0, "Entries": results}, "1.1")

    def _PutObject(self, body, region):
        bucket, key = self._bucket_and_key()
        with self.owner._lock:
            self.owner._objects[f"{bucket}/{key}"] = body
        self._record("s3", "PutObject", f"{bucket}/{key}", region, body.decode("utf-8", "replace"),
                     {}, bucket=bucket, object_key=key)
        self._send(200, b"", None, {"ETag": f'"{hashlib.md5(body).hexdigest()}"'})

    def _GetObject(self, body, region):
        bucket, key = self._bucket_and_key()
        with self.owner._lock:
            data = self.owner._objects.get(f"{bucket}/{key}")
        if data is None:
            raise _Reject(404, "NoSuchKey", "The specified key does not exist.")
        self._send(200, data, "application/octet-stream",
                   {"ETag": f'"{hashlib.md5(data).hexdigest()}"'})

    def _Unsupported(self, body, region):
        raise _Reject(400, "InvalidAction", "FakeAws does not implement this operation")

    # -- helpers --------------------------------------------------------------------------

    def _bucket_and_key(self):
        path = urllib.parse.urlsplit(self.path).path
        bucket, _, key = path[1:].partition("/")
        return urllib.parse.unquote(bucket), urllib.parse.unquote(key)

    def _json_body(self, body, service):
        try:
            value = json.loads(body or b"{}")
        except ValueError:
            raise _Reject(400, "SerializationException", "the body is not JSON")
        if not isinstance(value, dict):
            raise _Reject(400, "SerializationException", "the body is not a JSON object")
        return value

    def _record(self, service, operation, target, region, body, attributes, **extra):
        message = {"service": service, "operation": operation, "target": target, "region": region,
                   "body": body, "attributes": attributes,
                   "headers": {k.lower(): v for k, v in self.headers.items()}}
        message.update(extra)
        self.owner._record(message)

    def _send(self, status, payload, content_type, headers=None):
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def _send_json(self, status, value, json_version, headers=None):
        self._send(status, json.dumps(value).encode(), f"application/x-amz-json-{json_version}",
                   headers)

    def _send_error(self, service, reject):
        # Each protocol's own error shape, as the SDKs parse it.
        if service == "sqs":
            shape = "com.amazonaws.sqs#" + reject.code.split(".")[-1]
            self._send_json(reject.status, {"__type": shape, "message": reject.message}, "1.0",
                            {"x-amzn-query-error": f"{reject.code};Sender"})
        elif service == "events" or service is None:
            self._send_json(reject.status, {"__type": reject.code, "message": reject.message},
                            "1.1")
        elif service == "sns":
            self._send(reject.status, (
                f'<ErrorResponse xmlns="{SNS_XMLNS}"><Error><Type>Sender</Type>'
                f"<Code>{_xml_escape(reject.code)}</Code><Message>{_xml_escape(reject.message)}"
                f"</Message></Error><RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>"
            ).encode(), "text/xml")
        else:
            self._send(reject.status, (
                '<?xml version="1.0" encoding="UTF-8"?>\n'
                f"<Error><Code>{_xml_escape(reject.code)}</Code>"
                f"<Message>{_xml_escape(reject.message)}</Message>"
                f"<RequestId>{uuid.uuid4().hex[:16].upper()}</RequestId></Error>"
            ).encode(), "application/xml")


def _decode_aws_chunked(body):
    """The payload of an aws-chunked body.

    Chunks are "<hex size>[;chunk-signature=...]\\r\\n<data>\\r\\n", ending with size 0."""
    out = bytearray()
    position = 0
    while position < len(body):
        line_end = body.find(b"\r\n", position)
        if line_end < 0:
            break
        size = int(body[position:line_end].split(b";")[0], 16)
        if size == 0:
            break
        start = line_end + 2
        out += body[start:start + size]
        position = start + size + 2
    return bytes(out)

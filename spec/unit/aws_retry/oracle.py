"""botocore's retry decisions on a scripted sequence of outcomes, for
spec/unit/aws_retry_spec.lua: reads a JSON list of jobs on stdin, prints
the list of their results.

job = {"mode": "standard"|"legacy", "service": endpoint prefix,
       "operation": name (standard: botocore's own operation model, whose
       error list carries the modeled "retryable" errors),
       "max_attempts": n or null, "randoms": [floats],
       "calls": [[outcome, ...], ...]}
outcome = {"ok": true} | {"status": 503, "code": "X"} | {"exc": kind}
(kind: lambda.fetch's: timeout, connect, dns, connection, tls, http).
Each call is driven as botocore.endpoint drives needs-retry, one client
(one retry quota) for all calls; for each: attempts, delays (seconds),
quota after, why it stopped.

Adaptive: job = {"mode": "adaptive", "events": [[t, "send"|"ok"|"throttle"],
...]} drives botocore.retries.adaptive.ClientRateLimiter on a fake clock:
for each event the wait before a send, or the limiter's state after an
answer."""
import json
import sys

import botocore.session
from botocore import exceptions as exc
from botocore.awsrequest import AWSResponse
from botocore.retries import adaptive, bucket, quota, standard, throttling
from botocore import retryhandler, translate

EXC = {
    "timeout": lambda: exc.ReadTimeoutError(endpoint_url="https://x"),
    "connect": lambda: exc.EndpointConnectionError(endpoint_url="https://x"),
    "dns": lambda: exc.EndpointConnectionError(endpoint_url="https://x"),
    "connection": lambda: exc.ConnectionClosedError(endpoint_url="https://x"),
    "tls": lambda: exc.SSLError(endpoint_url="https://x", error="bad"),
    "http": lambda: exc.HTTPClientError(error="other"),
}


class Randoms:
    def __init__(self, values):
        self.values, self.i = values, 0

    def __call__(self):
        v = self.values[self.i]
        self.i += 1
        return v


def response_of(outcome):
    """(response tuple or None, exception or None)"""
    if "exc" in outcome:
        return None, EXC[outcome["exc"]]()
    status = 200 if outcome.get("ok") else outcome["status"]
    http = AWSResponse("https://x", status, {}, None)
    parsed = {"ResponseMetadata": {}}
    if not outcome.get("ok"):
        parsed["Error"] = {"Code": outcome.get("code") or "", "Message": ""}
    return (http, parsed), None


def operation(job):
    session = botocore.session.get_session()
    model = session.get_service_model(job.get("service_name") or job["service"])
    return model.operation_model(job["operation"])


def standard_client(job, randoms):
    checker = standard.RetryQuotaChecker(quota.RetryQuota())
    handler = standard.RetryHandler(
        retry_policy=standard.RetryPolicy(
            retry_checker=standard.StandardRetryConditions(
                max_attempts=job.get("max_attempts") or standard.DEFAULT_MAX_ATTEMPTS),
            retry_backoff=standard.ExponentialBackoff(random=randoms)),
        retry_event_adapter=standard.RetryEventAdapter(),
        retry_quota=checker)
    return handler.needs_retry, checker


def legacy_client(job, randoms):
    retryhandler.random.random = randoms
    loader = botocore.session.get_session().get_component("data_loader")
    original = loader.load_data("_retry")
    retries = None
    if job.get("max_attempts"):
        retries = {"max_attempts": job["max_attempts"] - 1}
    config = translate.build_retry_config(
        job["service"], original["retry"], original["definitions"], retries)
    handler = retryhandler.create_retry_handler(config, job["service"])

    def needs_retry(**kwargs):
        # an exception no policy retries is raised again: no retry
        try:
            return handler(**kwargs)
        except exc.BotoCoreError as e:
            if e is kwargs["caught_exception"]:
                return None
            raise
    return needs_retry, None


def run_call(needs_retry, checker, op, outcomes):
    ctx, delays, attempts = {}, [], 0
    while True:
        attempts += 1
        outcome = outcomes[min(attempts, len(outcomes)) - 1]
        response, caught = response_of(outcome)
        delay = needs_retry(response=response, attempts=attempts, operation=op,
                            caught_exception=caught, request_dict={"context": ctx})
        if delay is None or delay is False:
            break
        delays.append(delay)
    if checker is not None and response is not None:
        checker.release_retry_quota(ctx, response[0])
    return attempts, delays, response is not None and outcome.get("ok", False)


def retries(job):
    randoms = Randoms(job.get("randoms", []))
    make = legacy_client if job["mode"] == "legacy" else standard_client
    needs_retry, checker = make(job, randoms)
    op = operation(job)
    out = []
    for outcomes in job["calls"]:
        attempts, delays, ok = run_call(needs_retry, checker, op, outcomes)
        out.append({"attempts": attempts, "delays": delays, "ok": ok,
                    "quota": checker._quota.available_capacity if checker else None})
    return out


class FakeClock(bucket.Clock):
    def __init__(self):
        self.t = 0.0

    def current_time(self):
        return self.t


def limiter(job):
    clock = FakeClock()
    clock.t = job["events"][0][0]
    lim = adaptive.ClientRateLimiter(
        rate_adjustor=throttling.CubicCalculator(starting_max_rate=0,
                                                 start_time=clock.current_time()),
        rate_clocker=adaptive.RateClocker(clock),
        token_bucket=bucket.TokenBucket(max_rate=1, clock=clock),
        throttling_detector=standard.ThrottlingErrorDetector(
            retry_event_adapter=standard.RetryEventAdapter()),
        clock=clock)
    tb = lim._token_bucket
    op = operation({"service": "dynamodb", "operation": "GetItem"})
    out = []
    for t, what in job["events"]:
        clock.t = t
        if what == "send":
            # TokenBucket._acquire's loop, the clock moved on by each wait
            wait = 0.0
            if lim._enabled:
                tb._refill()
                while tb._current_capacity < 1:
                    wait += tb._sleep_amount(1)
                    clock.t = t + wait
                    tb._refill()
                tb._current_capacity -= 1
            out.append({"wait": wait})
        else:
            outcome = {"ok": True} if what == "ok" else {"status": 400, "code": "Throttling"}
            response, caught = response_of(outcome)
            lim.on_receiving_response(response=response, attempts=1, operation=op,
                                      caught_exception=caught,
                                      request_dict={"context": {}})
            out.append({"fill_rate": tb._fill_rate, "capacity": tb._current_capacity,
                        "max_capacity": tb._max_capacity,
                        "measured_rate": lim._rate_clocker.measured_rate,
                        "enabled": lim._enabled})
    return out


def main():
    jobs = json.load(sys.stdin)
    json.dump([limiter(job) if job["mode"] == "adaptive" else retries(job)
               for job in jobs], sys.stdout)


if __name__ == "__main__":
    main()

"""The oracle of lambda.aws.endpoints (spec/unit/aws_endpoints_spec.lua):
botocore's endpoint resolution on lua-lambda's model files.

    python3 endpoint_oracle.py provider [models-folder] < cases > results
        each case {"service": name, "params": {...}}: botocore's
        EndpointProvider(rule set, models/partitions.json)
        .resolve_endpoint(**params)
    python3 endpoint_oracle.py client [models-folder] < cases > results
        each case {"service", "operation", "input", "region", "env"}:
        a real botocore client made under that environment, whose
        ruleset resolver gives the rule set's parameters and the endpoint
        of the call (construct_endpoint)
    python3 endpoint_oracle.py functions < cases > results
        each case {"fn": name, "argv": [...]}: that function of botocore's
        RuleSetStandardLibrary -> {"value": result}
    python3 endpoint_oracle.py patch <out-folder> <service>...
        our model files, with what scripts/aws-models.py leaves out put
        back from this botocore's own data: contextParam names,
        clientContextParams, the rule set as botocore ships it

One JSON line out per line in: {"url", "headers" (first values, as the
resolver keeps them), "properties"}, or {"error": message} for an
EndpointResolutionError, or {"exception": class name} for anything else.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import aws_model  # noqa: E402

PARTITIONS = os.path.join(aws_model.MODELS, "partitions.json")


def result_of(resolve):
    from botocore.exceptions import EndpointResolutionError
    try:
        ep = resolve()
    except EndpointResolutionError as e:
        return {"error": e.kwargs.get("msg", str(e))}
    except Exception as e:  # noqa: BLE001 - the class is the answer
        # the resolver turns some rule errors into its older exceptions
        # (UnsupportedS3AccesspointConfigurationError...): the rule's text
        cause = e.__cause__
        if isinstance(cause, EndpointResolutionError):
            return {"error": cause.kwargs.get("msg", str(cause))}
        return {"exception": type(e).__name__}
    headers = {k: (v[0] if isinstance(v, list) else v) for k, v in ep.headers.items()}
    return {"url": ep.url, "headers": headers, "properties": ep.properties}


def provider(folder):
    from botocore.endpoint_provider import EndpointProvider
    with open(PARTITIONS, encoding="utf-8") as f:
        partitions = json.load(f)
    providers = {}
    for line in sys.stdin:
        case = json.loads(line)
        name = case["service"]
        if name not in providers:
            rules = aws_model.read(name, folder)["endpointRules"]
            providers[name] = EndpointProvider(rules, partitions)
        p = providers[name]
        params = case["params"]
        # (resolve_endpoint's cache turns lists into the tuples that a
        # stringArray parameter must be)
        out = result_of(lambda: p.resolve_endpoint(**params))
        sys.stdout.write(json.dumps(out, sort_keys=True) + "\n")


def client(folder):
    import botocore.session
    session = botocore.session.get_session()  # reads the environment when a client is made
    for line in sys.stdin:
        case = json.loads(line)
        saved = dict(os.environ)
        try:
            for k in list(os.environ):
                if k.startswith("AWS_"):
                    del os.environ[k]
            os.environ.update(case.get("env", {}))
            c = session.create_client(case["service"], region_name=case.get("region"),
                                      aws_access_key_id="AKID", aws_secret_access_key="SECRET")
            op = c.meta.service_model.operation_model(case["operation"])
            args = case.get("input", {})
            r = c._ruleset_resolver
            context = {"client_config": c.meta.config}
            params = r._get_provider_params(op, args, context)
            out = result_of(lambda: r.construct_endpoint(op, args, context))
            out["params"] = params
        except Exception as e:  # noqa: BLE001
            out = {"exception": type(e).__name__, "text": str(e)}
        finally:
            os.environ.clear()
            os.environ.update(saved)
        sys.stdout.write(json.dumps(out, sort_keys=True) + "\n")


def functions(folder):
    """each case {"fn": "parseURL", "argv": [...]}: botocore's
    RuleSetStandardLibrary function on those values -> {"value": ...}"""
    from botocore.endpoint_provider import RuleSetStandardLibrary
    from botocore.exceptions import EndpointResolutionError
    with open(PARTITIONS, encoding="utf-8") as f:
        lib = RuleSetStandardLibrary(json.load(f))
    for line in sys.stdin:
        case = json.loads(line)
        try:
            fn = getattr(lib, lib.convert_func_name(case["fn"]))
            out = {"value": fn(*case["argv"])}
        except EndpointResolutionError as e:
            out = {"error": e.kwargs.get("msg", str(e))}
        except Exception as e:  # noqa: BLE001
            out = {"exception": type(e).__name__}
        sys.stdout.write(json.dumps(out, sort_keys=True) + "\n")


def fill_context_params(ours, theirs):
    for name, shape in ours.items():
        for member, ref in shape.get("members", {}).items():
            if "contextParam" in ref:
                ref["contextParam"] = theirs[name]["members"][member]["contextParam"]


def patch(out, names):
    import botocore.loaders
    loader = botocore.loaders.create_loader()
    os.makedirs(out, exist_ok=True)
    for name in names:
        model = aws_model.read(name)
        version = loader.determine_latest_version(name, "service-2")
        real = loader.load_service_model(name, "service-2", version)
        fill_context_params(model["shapes"], real["shapes"])
        head = {k: model[k] for k in model if k not in ("shapes", "endpointRules")}
        if "clientContextParams" in real:
            head["clientContextParams"] = real["clientContextParams"]
        rules = loader.load_service_model(name, "endpoint-rule-set-1", version)
        with open(os.path.join(out, name + ".model"), "w", encoding="utf-8") as f:
            f.write(json.dumps(head, separators=(",", ":"), sort_keys=True) + "\n")
            f.write(json.dumps(rules, separators=(",", ":"), sort_keys=True) + "\n")
            for shape in sorted(model["shapes"]):
                f.write(shape + "\t" + json.dumps(model["shapes"][shape], separators=(",", ":"),
                                                   sort_keys=True) + "\n")


def main():
    mode = sys.argv[1]
    if mode == "patch":
        patch(sys.argv[2], sys.argv[3:])
        return
    folder = sys.argv[2] if len(sys.argv) > 2 else aws_model.MODELS
    {"provider": provider, "client": client, "functions": functions}[mode](folder)


if __name__ == "__main__":
    main()

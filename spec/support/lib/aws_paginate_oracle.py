"""botocore's PageIterator as the oracle of lambda.aws's pager: for the
paginators of real models (ours, spec/support/lib/aws_model.py), scripted
pages (tokens where the paginator's output_token expressions look, some
empty, some repeated, more_results true or false) are paged through by
botocore; printed as JSON cases: the paginator, the pages, the params of
every call botocore made, how many pages it yielded and whether it raised.

    aws_paginate_oracle.py SEED COUNT
"""
import json
import random
import sys

sys.dont_write_bytecode = True
import aws_model  # noqa: E402 (beside this file)

from botocore.paginate import PageIterator, PaginationError  # noqa: E402
import jmespath  # noqa: E402


def set_path(page, expr, value):
    """Puts value where a paginator expression ("A.B", "X[-1].Y") reads."""
    node = page
    parts = expr.split(".")
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if part.endswith("[-1]"):
            name = part[:-4]
            lst = node.setdefault(name, [])
            lst.append({} if not last else value)
            node = lst[-1]
            continue
        if last:
            node[part] = value
        else:
            node = node.setdefault(part, {})


def token_value(rng, n):
    kind = rng.random()
    if kind < 0.15:
        return ""                      # an empty token: no more pages
    if kind < 0.25:
        return {"id": {"S": "k%d" % n}}  # a map (DynamoDB's LastEvaluatedKey)
    return "tok-%d-%d" % (n, rng.randrange(1000))


def script(rng, config):
    outputs = config["output_token"]
    outputs = outputs if isinstance(outputs, list) else [outputs]
    results = config.get("result_key")
    results = results if isinstance(results, list) else [results] if results else []
    pages = []
    previous = None
    for n in range(rng.randrange(1, 5)):
        page = {}
        for key in results:
            if "." not in key and "[" not in key:
                page[key] = ["item-%d-%d" % (n, i) for i in range(rng.randrange(0, 3))]
        for expr in outputs:
            alt = expr.split(" || ")[rng.randrange(len(expr.split(" || ")))]
            if rng.random() < 0.1 and previous is not None:
                value = previous                # the same token again
            else:
                value = token_value(rng, n)
            set_path(page, alt, value)
            previous = value
        if config.get("more_results"):
            set_path(page, config["more_results"], rng.random() < 0.8)
        pages.append(page)
    return pages


def run(config, pages, params, page_size):
    calls = []

    def method(**kwargs):
        calls.append(json.loads(json.dumps(kwargs)))
        # past the scripted pages, a page with no token: the end
        return pages[len(calls) - 1] if len(calls) <= len(pages) else {}

    def compile_expr(expr):
        return jmespath.compile(expr) if expr else None

    inputs = config["input_token"]
    outputs = config["output_token"]
    results = config.get("result_key") or []
    it = PageIterator(
        method,
        inputs if isinstance(inputs, list) else [inputs],
        [compile_expr(e) for e in (outputs if isinstance(outputs, list) else [outputs])],
        compile_expr(config.get("more_results")),
        [compile_expr(e) for e in (results if isinstance(results, list) else [results])]
        or [compile_expr("__none")],
        [], config.get("limit_key"), None, None, page_size, dict(params))
    yielded, error = 0, None
    try:
        for _ in it:
            yielded += 1
            if yielded > 10:
                break
    except PaginationError as e:
        error = str(e)
    return calls, yielded, error


def main():
    seed, count = int(sys.argv[1]), int(sys.argv[2])
    rng = random.Random(seed)
    paginators = []
    for name in aws_model.names():
        with open("%s/%s.model" % (aws_model.MODELS, name)) as f:
            head = json.loads(f.readline())
        for op, config in sorted(head.get("paginators", {}).items()):
            paginators.append((name, op, config))
    cases = []
    for _ in range(count):
        service, op, config = paginators[rng.randrange(len(paginators))]
        pages = script(rng, config)
        page_size = rng.choice([None, 5]) if config.get("limit_key") else None
        params = {"Fixed": "kept"}
        calls, yielded, error = run(config, pages, params, page_size)
        cases.append({"service": service, "operation": op, "config": config,
                      "pages": pages, "params": params, "page_size": page_size,
                      "calls": calls, "yielded": yielded, "error": error})
    json.dump(cases, sys.stdout)


if __name__ == "__main__":
    main()

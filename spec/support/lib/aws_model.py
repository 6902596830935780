"""Reads a lua-lambda model file (models/README.md) back into the dict
botocore.model.ServiceModel takes, so that botocore's serializers and
parsers (the specs' oracle) run on exactly the model lambda.aws runs on,
whatever version of botocore's own data is installed."""
import json
import os

MODELS = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                      "..", "..", "..", "models")


def read(name, folder=MODELS):
    """The service's model as botocore's service-2.json dict, plus the
    keys "paginators", "methods" and "endpointRules"."""
    path = os.path.join(folder, name + ".model")
    with open(path, encoding="utf-8") as f:
        head = json.loads(f.readline())
        head["endpointRules"] = json.loads(f.readline())
        shapes = {}
        for line in f:
            shape_name, text = line.rstrip("\n").split("\t", 1)
            shapes[shape_name] = json.loads(text)
    head["shapes"] = shapes
    return head


def service_model(name, folder=MODELS):
    """A botocore.model.ServiceModel of the service."""
    import botocore.model
    return botocore.model.ServiceModel(read(name, folder), service_name=name)


def names(folder=MODELS):
    return sorted(n[:-len(".model")] for n in os.listdir(folder)
                  if n.endswith(".model"))

"""What the export tests ask of the real tools (run in the virtualenv target/export-tools).

    export_tools.py hcl2json FILE           the Terraform file as JSON (python-hcl2), with
                                            string values unquoted and block markers dropped
    export_tools.py create-tables FILE      make the tables of a `--format create-table`
                                            export with boto3 (CreateTable, then
                                            UpdateTimeToLive), on AWS_ENDPOINT_URL_DYNAMODB
"""

import json
import sys


def plain(value):
    if isinstance(value, dict):
        return {plain(k): plain(v) for k, v in value.items() if k != "__is_block__"}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return json.loads(value)
    return value


def hcl2json(path):
    import hcl2

    with open(path) as f:
        print(json.dumps(plain(hcl2.load(f)), indent=1, sort_keys=True))


def create_tables(path):
    import boto3

    client = boto3.client("dynamodb")
    with open(path) as f:
        tables = json.load(f)
    for calls in tables.values():
        client.create_table(**calls["CreateTable"])
        client.get_waiter("table_exists").wait(TableName=calls["CreateTable"]["TableName"])
        if "UpdateTimeToLive" in calls:
            client.update_time_to_live(**calls["UpdateTimeToLive"])
        # UpdateContinuousBackups (point-in-time recovery) is not served by the embedded
        # store; the CloudFormation and Terraform exports carry it, checked by cfn-lint
        # and the HCL comparison.
    print(len(tables))


if __name__ == "__main__":
    {"hcl2json": hcl2json, "create-tables": create_tables}[sys.argv[1]](*sys.argv[2:])

# A FunctionGraph Python handler: echoes the event's "name" field.
import json


def handler(event, context):
    name = (event or {}).get("name", "world")
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps({"message": "hello, %s" % name}),
    }

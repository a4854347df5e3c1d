"""Create the table, bucket and queues on a local stack (the embedded emulator or an AWS_ENDPOINT_URL)."""
from chalicelib.core import aws
from chalicelib.core.settings import get_settings
from chalicelib.store.table_definition import ensure_table


def dead_letter_queue_name(queue_name):
    return queue_name + "-dlq"


def ensure_all():
    settings = get_settings()
    ensure_table(aws.client("dynamodb"), settings.table_name)
    s3 = aws.client("s3")
    existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    if settings.bucket_name not in existing:
        s3.create_bucket(Bucket=settings.bucket_name)
    sqs = aws.client("sqs")
    dlq_url = sqs.create_queue(QueueName=dead_letter_queue_name(settings.queue_name))["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sqs.create_queue(
        QueueName=settings.queue_name,
        Attributes={
            "VisibilityTimeout": "60",
            "RedrivePolicy": '{"deadLetterTargetArn":"%s","maxReceiveCount":"5"}' % dlq_arn,
        },
    )

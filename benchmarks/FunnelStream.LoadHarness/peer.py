"""P: the Python peer, written the way a growth engineer would: json.loads per record, one
prometheus_client Counter labelled stage/campaign/channel, start_http_server. Reads --events
records of --topic from the beginning and prints one JSON line: events, seconds and CPU seconds
from the first record to the last."""
import argparse
import json
import sys
import time

from confluent_kafka import Consumer
from prometheus_client import Counter, start_http_server

parser = argparse.ArgumentParser()
parser.add_argument("--bootstrap", required=True)
parser.add_argument("--topic", required=True)
parser.add_argument("--events", type=int, required=True)
parser.add_argument("--port", type=int, required=True)
parser.add_argument("--group", required=True)
args = parser.parse_args()

EVENTS = Counter("funnel_events", "Funnel events per stage and breakdown", ["stage", "campaign", "channel"])
start_http_server(args.port, addr="127.0.0.1")
print(json.dumps({"listening": args.port}), flush=True)

consumer = Consumer({
    "bootstrap.servers": args.bootstrap,
    "group.id": args.group,
    "auto.offset.reset": "earliest",
    "fetch.wait.max.ms": 5,  # as every consumer of the harness (BrokerProcess.FetchWaitMaxMs)
    "queued.min.messages": 1000000,  # as the worker's default (KafkaIngestPipeline.DefaultQueuedMinMessages)
})
consumer.subscribe([args.topic])

n = 0
first_wall = first_cpu = None
deadline = time.time() + 300
while n < args.events and time.time() < deadline:
    msg = consumer.poll(1.0)
    if msg is None or msg.error():
        continue
    if first_wall is None:
        first_wall, first_cpu = time.perf_counter(), time.process_time()
    n += 1
    try:
        event = json.loads(msg.value())
    except ValueError:
        continue
    EVENTS.labels(stage=event.get("type", "unknown"),
                  campaign=event.get("campaign", "unknown"),
                  channel=event.get("channel", "unknown")).inc()

seconds = time.perf_counter() - first_wall
cpu = time.process_time() - first_cpu
consumer.close()
print(json.dumps({"events": n - 1, "seconds": seconds, "cpu_seconds": cpu}), flush=True)
sys.exit(0 if n >= args.events else 1)

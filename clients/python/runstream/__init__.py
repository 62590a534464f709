"""Runstream's Python client: stream a model's samples to the ingest API.

    import runstream
    client = runstream.Client("http://127.0.0.1:8080", token)
    with client.producer("my-run") as producer:
        producer.log("pump.flow", t, 1.5)
"""

from .client import Client
from .errors import (
    BufferFullError,
    ProducerClosedError,
    RunstreamConfigError,
    RunstreamError,
    RunstreamHttpError,
    RunstreamNetworkError,
)
from .producer import Producer, ProducerStats
from .wire import decode_value, encode_logged_value

__all__ = [
    "BufferFullError",
    "Client",
    "Producer",
    "ProducerClosedError",
    "ProducerStats",
    "RunstreamConfigError",
    "RunstreamError",
    "RunstreamHttpError",
    "RunstreamNetworkError",
    "decode_value",
    "encode_logged_value",
]

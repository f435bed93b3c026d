"""Test harness: the Bot API stand-in, a loopback ASGI server, a load balancer and worker
processes."""

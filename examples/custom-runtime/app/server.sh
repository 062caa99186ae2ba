#!/bin/sh
# Answers every request with a fixed JSON body (busybox/netcat style loop).
while true; do
  printf 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 27\r\n\r\n{"message":"hello, custom"}' | nc -l -p 8000 -q 1 >/dev/null 2>&1 || true
done

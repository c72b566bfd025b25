-- wrk runs for a duration; this makes it stop after a fixed number of responses, like the other
-- load tools in the benchmark, and print its own counts as one JSON line.
-- Usage: wrk -t1 -c N -d LIMIT -s wrk-fixed-count.lua URL -- REQUESTS
-- At the limit the thread stops and prints a marker; wrk's main thread sleeps out its -d unless it
-- gets SIGINT, so the benchmark sends SIGINT when it sees the marker.
local limit = 0
local seen = 0

function init(args)
  limit = tonumber(args[1])
end

function response(status, headers, body)
  seen = seen + 1
  if seen == limit then
    io.write("twl-limit-reached\n")
    io.flush()
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"responses":%d,"durationUs":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout))
end

-- Prints one machine-readable line at the end of a run.
done = function(summary, latency, requests)
  local errs = summary.errors.connect + summary.errors.read + summary.errors.write
             + summary.errors.timeout + summary.errors.status
  io.write(string.format("RESULT requests=%d duration_us=%d errors=%d p50_us=%d p99_us=%d p999_us=%d\n",
    summary.requests, summary.duration, errs,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9)))
end

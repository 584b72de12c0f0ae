-- Requests without a session: the lbmethod chooses every time.
request = function()
  return wrk.format("GET", "/app/page")
end
dofile(os.getenv("BENCH_DIR") .. "/wrk/report.lua")

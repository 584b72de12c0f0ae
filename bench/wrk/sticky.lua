-- Many sessions of every route: each request carries the JSESSIONID of
-- one of 5,000 sessions; a session keeps its route (its suffix names one
-- of the three members), as real sessions do. The cookie goes into
-- wrk.headers, with the command line's -H headers (Connection: close):
-- wrk.format uses wrk.headers only when given no headers of its own.
local n = 0
request = function()
  n = n + 1
  local sid = n % 5000
  wrk.headers["Cookie"] = "JSESSIONID=s" .. sid .. ".node" .. ((sid % 3) + 1)
  return wrk.format("GET", "/app/page")
end
dofile(os.getenv("BENCH_DIR") .. "/wrk/report.lua")

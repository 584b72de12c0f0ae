-- Many sessions of every route: each request carries a JSESSIONID whose
-- suffix names one of the three members.
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", "/app/page", {["Cookie"] = "JSESSIONID=s" .. (n % 5000) .. ".node" .. ((n % 3) + 1)})
end
dofile(os.getenv("BENCH_DIR") .. "/wrk/report.lua")

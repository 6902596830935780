-- The benchmarks' handler: returns the event it was given. `with_context`
-- declares the context too, so the runtime builds it (a function(event)
-- cannot see one, and gets none).
return {
  handler = function(event) return event end,
  with_context = function(event, context) return event end,  -- luacheck: no unused args
}

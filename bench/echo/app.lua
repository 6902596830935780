-- The benchmarks' handler: returns the event it was given.
return {
  handler = function(event) return event end,
}

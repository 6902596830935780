-- bench/aws_cold.sh's baseline: the echo handler, nothing required.
return {
  handler = function(event) return event end,
}

-- init_error_spec's app: a handler name that is not a function (and no
-- "nope"). Its returns_nothing and toplevel_error beside; syntax_error,
-- which other specs use too, in spec/fixtures/handlers.
local M = {}

M.not_a_function = "I am a string"

return M

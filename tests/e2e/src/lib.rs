//! End-to-end tests live in `tests/`; they need running workers, which `scripts/test`
//! starts under `wrangler dev` (real workerd) and passes in through the environment.

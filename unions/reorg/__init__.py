"""Reorganizations (§7): plans of operations on the union tree, previewed, then applied at once.

- `plan`: a plan's decision and rows, from a file, a form or the API;
- `engine`: `run_plan`, the one way a plan is previewed or applied;
- `operations`: one function per operation; `succession`: what a closing unit passes on;
  `federations`: merging a whole federation into another.
"""

"""`make bench`: speed and cost figures measured side by side in one run, printed as one table."""
from bench import (artifact, devstack, foundation, functions, imports, index_sorts, limits, pay, push, realtime,
                   records, request_logs, sessions, sharding, userdata, wechat_extras)
from bench.harness import print_table, start_stack

# records seeds 10,000 items, so the sections that write little come first; devstack, imports, request_logs,
# functions and realtime are last: each starts a stack of its own.
SECTIONS = [foundation, artifact, sessions, limits, userdata, push, pay, wechat_extras, sharding, index_sorts, records,
            devstack, imports, request_logs, functions, realtime]


def main():
    stack = start_stack()
    try:
        rows = [("area", "measure", "value", "ratio", "notes")]
        for section in SECTIONS:
            rows.extend(section.rows(stack))
        print_table(rows)
    finally:
        stack.stop()


if __name__ == "__main__":
    main()

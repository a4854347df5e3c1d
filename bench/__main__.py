"""`make bench`: speed and cost figures measured side by side in one run, printed as one table."""
from bench import devstack, foundation, push, records, userdata
from bench.harness import print_table, start_stack

SECTIONS = [foundation, records, userdata, push, devstack]  # devstack last: it starts a stack of its own


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

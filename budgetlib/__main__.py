import sys

from . import cli

code = cli.main()
if cli.last_command in cli.QUICK_EXIT:  # every file written: skip the interpreter's teardown
    cli.quick_exit(code)
sys.exit(code)

"""`--help` for the training scripts that read their options by hand: print the module's docstring (its usage) and stop."""
import sys


def help_requested(doc, argv=None):
    """Exit 0 after printing `doc` when -h or --help is among the arguments (before any work or option parsing)."""
    args = sys.argv[1:] if argv is None else argv
    if any(a in ("-h", "--help") for a in args):
        print((doc or "").strip())
        sys.exit(0)

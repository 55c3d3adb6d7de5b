import sys

from seqmodels.cli import main

sys.exit(main())

import sys

from keras_sr.cli import main

sys.exit(main())

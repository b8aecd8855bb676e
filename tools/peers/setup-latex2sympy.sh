#!/bin/sh
# latex2sympy2_extended's git tree has no generated ANTLR parser (its PyPI wheel has one). Generate it
# in a checkout, for the antlr4-python3-runtime that is installed (4.13.2 here), with the ANTLR jar the
# checkout ships. Needs java. Writes only the checkout's git-ignored src/latex2sympy2_extended/gen/.
#   sh tools/peers/setup-latex2sympy.sh PATH_TO_LATEX2SYMPY2_EXTENDED
set -eu
root=$(cd "$1" && pwd)
runtime=$(python3 -c 'from importlib.metadata import version; print(version("antlr4-python3-runtime"))')
case "$runtime" in
  4.13.2*) jar=antlr-4.13.2-complete.jar out=gen/antlr4_13_2 ;;
  4.11*) jar=antlr-4.11.0-complete.jar out=gen/antlr4_11_0 ;;
  4.9.3*) jar=antlr-4.9.3-complete.jar out=gen/antlr4_9_3 ;;
  *) echo "antlr4-python3-runtime $runtime is not one latex2sympy2_extended supports" >&2; exit 1 ;;
esac
cd "$root/src/latex2sympy2_extended"
java -jar "$root/$jar" PS.g4 -o "$out"
echo "generated $root/src/latex2sympy2_extended/$out for antlr4-python3-runtime $runtime"

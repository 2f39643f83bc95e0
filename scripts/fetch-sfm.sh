#!/usr/bin/env bash
# Downloads the Surrey Face Model (3,448 vertices) and its companion files from the eos
# project into Facet's user models directory, for machines with internet access.
#
# The model is free for NON-COMMERCIAL use only ("The 3D morphable face model under
# share/sfm_shape_3448.bin is free for use for non-commercial purposes. For commercial purposes
# and to obtain other model resolutions, see http://www.cvssp.org/facemodel."). By running this
# script you accept that licence. Facet never redistributes the model.
#
# Usage: scripts/fetch-sfm.sh [MODELS_DIR]   (default: ${FACET_MODELS_DIR:-~/.local/share/facet/models})
# Without internet, copy the same six files into MODELS_DIR/sfm/ by hand.
set -euo pipefail

models_dir="${1:-${FACET_MODELS_DIR:-$HOME/.local/share/facet/models}}"
target="$models_dir/sfm"
base="https://raw.githubusercontent.com/patrikhuber/eos/master/share"
files=(sfm_shape_3448.bin expression_blendshapes_3448.bin ibug_to_sfm.txt sfm_model_contours.json
       sfm_3448_edge_topology.json sfm_reference_symmetry.txt)

echo "fetch-sfm: the Surrey Face Model is licensed for non-commercial use only (see the eos project)."
mkdir -p "$target"
for file in "${files[@]}"; do
  if [ -s "$target/$file" ]; then
    echo "fetch-sfm: $target/$file already present"
    continue
  fi
  echo "fetch-sfm: downloading $file"
  curl -fsSL --retry 2 -o "$target/.$file.part" "$base/$file"
  mv "$target/.$file.part" "$target/$file"
done
echo "fetch-sfm: done; Facet finds the model in $models_dir (or pass --models $models_dir)"

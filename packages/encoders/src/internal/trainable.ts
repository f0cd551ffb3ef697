import * as tfl from '@tensorflow/tfjs-layers';

/**
 * Freezes or unfreezes every weight of a model, nested models and recurrent cells included.
 * tfjs' `model.trainable = false` alone leaves the variables of an RNN's cell trainable, so
 * an optimizer called without an explicit variable list would still update them.
 */
export function setModelTrainable(model: tfl.LayersModel, trainable: boolean): void {
  const walk = (layer: tfl.layers.Layer) => {
    if (layer instanceof tfl.LayersModel) {
      layer.layers.forEach(walk);
    } else {
      const cells = layer as unknown as { cell?: tfl.layers.Layer & { cells?: tfl.layers.Layer[] } };
      if (cells.cell) {
        cells.cell.trainable = trainable;
        cells.cell.cells?.forEach((c) => {
          c.trainable = trainable;
        });
      }
    }
    layer.trainable = trainable;
  };
  walk(model);
}

import * as tf from '@tensorflow/tfjs-core';

// tfjs greets Node users with a "install tfjs-node" banner on first use of the cpu backend
tf.env().set('IS_TEST', true);

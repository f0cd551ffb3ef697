import * as tf from '@tensorflow/tfjs-core';
// every op's gradient, as @tensorflow/tfjs and tfjs-layers register them for users
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';

// tfjs greets Node users with a "install tfjs-node" banner on first use of the cpu backend
tf.env().set('IS_TEST', true);

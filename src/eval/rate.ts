/** The sample rate every instrument works at: the codec's rate and the rate of pocketsphinx's en-us model. */
export const EVAL_SAMPLE_RATE = 16000;

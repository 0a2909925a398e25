import { normaliseWords, wer } from '../bench/wer.js';
console.log(normaliseWords('Please call me back at 555-234-9876 on March 4th, at 6.15, $2,000, 97201, twenty-two'));
console.log(normaliseWords('Please call me back at five five five, two three four, nine eight seven six on March fourth'));
console.log(wer('Our flight leaves at six fifteen on December twentieth, gate twenty two.', 'Our flight leaves at 6.15 on December 20, 8.22.'));

/**
 * A small labelled corpus for search tests: call transcripts on distinct subjects, and queries of
 * two kinds: paraphrases that share no content word with their call (only meaning finds them) and
 * keyword queries (words that appear in the call).
 */
export const searchCorpus = [
  {
    key: 'dentist',
    text: 'Hi, this is Maria from Bright Smile. I need to move my teeth cleaning from Tuesday to next Thursday afternoon if that works for the hygienist.',
  },
  {
    key: 'furnace',
    text: 'The furnace stopped working last night and the whole house is freezing. Can you send a technician out tomorrow morning to look at the boiler?',
  },
  {
    key: 'flight',
    text: 'Our flight to Lisbon got cancelled by the airline, so we need to rebook the tickets and push the hotel reservation back two days.',
  },
  {
    key: 'invoice',
    text: 'Accounting says the March invoice still has not been paid. It is now forty five days overdue, please wire the money this week.',
  },
  {
    key: 'hospital',
    text: 'Grandma fell in the kitchen and broke her hip. She is at Saint Mary hospital and the surgery is scheduled for Monday.',
  },
  {
    key: 'puppy',
    text: 'We picked up the new puppy on Saturday. He is a golden retriever, chews everything, and the vet says his shots are up to date.',
  },
  {
    key: 'job',
    text: 'I got the offer from the startup. The salary is higher but I would have to relocate to Austin, so I am thinking about whether to accept.',
  },
  {
    key: 'car',
    text: 'The mechanic called about the car. The brakes are worn out and the transmission is slipping; the repair estimate is around two thousand dollars.',
  },
  {
    key: 'wedding',
    text: 'Sarah and Tom set the wedding date for June. The ceremony will be at the vineyard and they want you to give a toast at the reception.',
  },
  {
    key: 'lease',
    text: 'The landlord sent the lease renewal. Rent goes up by one hundred fifty a month starting in August unless we sign for two years.',
  },
  {
    key: 'taxes',
    text: 'The accountant needs your W-2 and the mortgage interest statement before the filing deadline on April fifteenth.',
  },
  {
    key: 'soccer',
    text: 'Practice moved to the north field. The kids have their tournament on Sunday morning, bring orange slices and the team jerseys.',
  },
];

export const paraphraseQueries = [
  { q: 'reschedule the dental appointment', key: 'dentist' },
  { q: 'heating broken at home, need a repair', key: 'furnace' },
  { q: 'vacation travel plans fell through', key: 'flight' },
  { q: 'unpaid bill payment is late', key: 'invoice' },
  { q: 'elderly relative injured and needs an operation', key: 'hospital' },
  { q: 'adopted a young dog', key: 'puppy' },
  { q: 'deciding about a new employment opportunity', key: 'job' },
  { q: 'vehicle needs expensive fixing', key: 'car' },
  { q: 'friends getting married next summer', key: 'wedding' },
  { q: 'apartment rental agreement and price increase', key: 'lease' },
];

export const keywordQueries = [
  { q: 'Lisbon', key: 'flight' },
  { q: 'hygienist', key: 'dentist' },
  { q: 'W-2 filing deadline', key: 'taxes' },
  { q: 'tournament jerseys', key: 'soccer' },
  { q: 'golden retriever', key: 'puppy' },
];

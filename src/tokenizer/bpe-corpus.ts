/**
 * A few kilobytes of plain English (with some numbers, code and accented words) for training the
 * merges of tiny test tokenizers. Written for this project; its only job is to give common pairs.
 */
export const BUILTIN_BPE_CORPUS = `
The little boat left the harbor early in the morning, when the water was still and the sky was pale.
Anna sat at the front and watched the gulls. Her brother held the rope and counted the waves.
"How far is the island?" she asked. "Not far," he said. "We will be there before lunch."
They talked about the weather, the fish they hoped to catch, and the old lighthouse on the hill.
When the wind came up, the boat rocked gently, and Anna laughed because it felt like flying.

How to make a simple loaf of bread:
1. Mix 500 grams of flour with 10 grams of salt and 7 grams of yeast.
2. Add 350 ml of warm water and stir until the dough comes together.
3. Knead the dough for ten minutes, then let it rest for one hour.
4. Shape the loaf, place it in a tin, and let it rise for another 45 minutes.
5. Bake at 220 degrees for 30 to 35 minutes, until the crust is golden and sounds hollow.

Question: What is the capital of France?
Answer: The capital of France is Paris.
Question: How many days are there in a week?
Answer: There are seven days in a week: Monday, Tuesday, Wednesday, Thursday, Friday, Saturday and Sunday.
Question: Why is the sky blue?
Answer: Sunlight is scattered by the air, and blue light is scattered more than red light, so the sky looks blue.

User: Can you help me write a short note to my neighbor?
Assistant: Of course. Here is a friendly note: "Hello! I wanted to thank you for watering my plants while I was away. Please let me know if I can ever return the favor."
User: Thank you, that is perfect.
Assistant: You are welcome. Is there anything else I can help you with today?

The history of the town is long and interesting. People first settled here more than a thousand years ago,
because the river was deep enough for boats and the land was good for farming. Over the centuries the town
grew slowly. A bridge was built, then a market, then a school and a small hospital. In the winter of 1887 a
great storm damaged many houses, but the people worked together and rebuilt them within a year.
Today the town has about 12,000 people, three schools, a library, and a museum near the old mill.

def add(a, b):
    return a + b

for i in range(10):
    print(i, add(i, i))

function greet(name) {
  return "Hello, " + name + "!";
}

const items = [1, 2, 3, 4, 5];
const total = items.reduce((sum, x) => sum + x, 0);

A good teacher listens carefully, explains ideas clearly, and gives students time to think.
A good student asks questions, practices every day, and is not afraid of making mistakes.
Learning is easier when you are curious, and it is more fun when you share what you learn with others.

In the garden there are roses, tulips, daisies and sunflowers. The tomatoes are red and ready to pick,
the beans are climbing the fence, and the apple tree is full of small green apples. Every evening the
children water the plants and look for snails under the leaves. On Saturday they will sell vegetables
at the market and use the money to buy new seeds for the spring.

The café on the corner serves crème brûlée, fresh croissants and a very strong coffee. The owner, José,
says the recipe came from his grandmother in Zürich. Naïve visitors sometimes ask for tea, and he smiles.

Weather report: this morning will be cloudy with a chance of light rain. In the afternoon the clouds
will clear and temperatures will reach 21 degrees. Tonight will be cool and dry, with a low of 9 degrees.
Tomorrow looks sunny and warm, a good day for a walk in the park or a picnic by the lake.

Once upon a time there was a small robot who wanted to learn how to paint. Every day it watched the
artists in the square, and every night it practiced with a brush held in its metal hand. At first its
pictures were only lines and dots, but after many weeks it painted a tree, then a house, and then the
whole square with all the people in it. The artists were surprised, and they invited the robot to show
its paintings at the summer fair. It was the happiest day of the little robot's life.

Dear team, thank you all for your hard work this quarter. We shipped the new search page, fixed more than
two hundred bugs, and cut the average response time in half. Next month we will focus on documentation,
testing and accessibility. Please write down any problems you notice, however small, and share them in the
weekly meeting. If something is unclear, ask early: a short question today saves a long discussion later.

The mountain path climbs through a forest of pine and birch, crosses a wooden bridge over a cold stream,
and then winds up a rocky slope to a quiet lake. Hikers usually stop there to eat, rest their feet and
take photographs of the peaks reflected in the water. In autumn the leaves turn yellow, orange and deep
red, and in winter the whole valley is covered in snow. Always carry a map, warm clothes, a torch and
enough water, and tell someone where you are going before you leave.

Computers store everything as numbers. Letters, pictures, sounds and programs are all sequences of bits,
zeros and ones, grouped into bytes of eight bits each. A text file is a list of bytes that a program reads
with an agreed encoding, such as UTF-8, which uses one byte for common Latin letters and up to four bytes
for other characters, symbols and emoji. A tokenizer splits text into pieces that a language model can
learn from; frequent words become single tokens, while rare words are built from smaller parts.

Kitchen notes: wash the vegetables, chop the onions and garlic, and warm the oil in a large pan. Fry the
onions slowly until they are soft and sweet, add the garlic, then the tomatoes, a pinch of sugar, salt and
pepper. Let the sauce simmer for twenty minutes while the pasta cooks. Taste, adjust the seasoning, and
serve with fresh basil and grated cheese. Leftovers keep well in the fridge for three or four days.

The library opens at nine o'clock every weekday and at ten on weekends. Members can borrow up to eight
books at a time for three weeks, renew them online, and reserve new titles before they arrive. There are
quiet rooms for studying, computers for public use, a reading club on Thursday evenings, and story time for
young children on Saturday mornings. Lost cards can be replaced at the front desk for a small fee.

Scientists observe, measure and test. They form a hypothesis, design an experiment, collect data, and
compare the results with their predictions. When the evidence does not support an idea, they change the
idea. Good experiments can be repeated by other people in other places, and good reports describe the
methods clearly enough that anyone could follow them. Curiosity, patience and honesty matter most.

Travel checklist: passport, tickets, charger, toothbrush, glasses, medicine, a light jacket, comfortable
shoes, a small umbrella, some cash, and a notebook. Check the weather forecast, confirm the hotel booking,
download offline maps, and keep copies of important documents in a separate bag. Arrive at the station at
least thirty minutes early, and do not forget to enjoy the journey as well as the destination.

Meeting summary (Tuesday): Maria presented the budget, which is slightly under plan. Tom reported that the
warehouse move is delayed by two weeks because of a shortage of trucks. The group agreed to hire two
temporary workers, to review suppliers in March, and to send a survey to customers before the summer.
Action items: Maria will update the spreadsheet; Tom will call the transport company; Li will draft the
survey questions and circulate them by Friday.

Music fills the old theatre on Sunday afternoons. A violinist tunes her instrument, a pianist adjusts the
bench, and the audience settles into velvet seats. The programme mixes familiar melodies with unexpected
modern pieces: a quick, playful dance; a slow, thoughtful lament; a bright march that makes everyone smile.
Afterwards the musicians chat with listeners, sign programmes, and explain how they practise difficult
passages, bar by bar, until their fingers move without thinking.

Our neighbourhood bakery sells rye, sourdough, baguettes, cinnamon buns, blueberry muffins, pretzels and
oat biscuits. Early customers queue outside before dawn; delivery drivers collect boxes for nearby offices;
schoolchildren buy warm rolls on their way to class. The baker, Olga, jokes that flour gets everywhere:
into pockets, shoelaces, eyebrows, even the keyboard of the cash register.

Remember: drink water, sleep well, walk outside, read a book, call a friend, and be kind to yourself.
It's important to rest. You're doing great! We'll meet again soon. They've already left. I'm ready.
Numbers: 0 1 2 3 4 5 6 7 8 9 10 11 12 20 25 50 75 100 250 500 1000 2024 3.14 2.5 99.9
Symbols: a + b = c, x * y / z, (one) [two] {three} <four> "five" 'six' #7 @8 $9 %10 & ~ ^ | \\ _
`;

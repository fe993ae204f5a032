"""Writes the example bilingual corpus (corpus/zh-en.txt): simple Chinese sentences, each with its English
translation (arithmetic, counting, the days, the months, colours, small stories), generated from templates with a
fixed seed. It is the project's own text, under the project's licence; a member brings their own data instead."""
import random
import sys

DIGITS_ZH = "零一二三四五六七八九"
NUMBERS_EN = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
              "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
TENS_EN = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
DAYS = [("星期一", "Monday"), ("星期二", "Tuesday"), ("星期三", "Wednesday"), ("星期四", "Thursday"),
        ("星期五", "Friday"), ("星期六", "Saturday"), ("星期日", "Sunday")]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
COLOURS = [("红色", "red"), ("蓝色", "blue"), ("绿色", "green"), ("黄色", "yellow"), ("白色", "white"),
           ("黑色", "black")]
THINGS = [("苹果", "apples", "个"), ("书", "books", "本"), ("猫", "cats", "只"), ("笔", "pens", "支"),
          ("橘子", "oranges", "个"), ("鸟", "birds", "只")]
PEOPLE = [("小明", "Xiao Ming", "he"), ("小红", "Xiao Hong", "she"), ("老师", "The teacher", "she"),
          ("爷爷", "Grandpa", "he"), ("小李", "Xiao Li", "he")]


def zh(n):
    if n < 10:
        return DIGITS_ZH[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else DIGITS_ZH[tens]) + "十" + (DIGITS_ZH[ones] if ones else "")


def en(n):
    if n < 20:
        return NUMBERS_EN[n]
    tens, ones = divmod(n, 10)
    return TENS_EN[tens] + ("-" + NUMBERS_EN[ones] if ones else "")


def sentence(rng):
    kind = rng.randrange(6)
    if kind == 0:
        a, b = rng.randrange(10), rng.randrange(10)
        return f"{zh(a)}加{zh(b)}等于{zh(a + b)}。{en(a).capitalize()} plus {en(b)} is {en(a + b)}."
    if kind == 1:
        a = rng.randrange(2, 20)
        b = rng.randrange(1, a)
        return f"{zh(a)}减{zh(b)}等于{zh(a - b)}。{en(a).capitalize()} minus {en(b)} is {en(a - b)}."
    if kind == 2:
        i = rng.randrange(7)
        return (f"{DAYS[i][0]}之后是{DAYS[(i + 1) % 7][0]}。After {DAYS[i][1]} comes {DAYS[(i + 1) % 7][1]}.")
    if kind == 3:
        i = rng.randrange(12)
        return f"{zh(i + 1)}月是{MONTHS[i]}。Month {en(i + 1)} is {MONTHS[i]}."
    if kind == 4:
        person, thing, colour = rng.choice(PEOPLE), rng.choice(THINGS), rng.choice(COLOURS)
        n = rng.randrange(2, 10)
        return (f"{person[0]}有{zh(n)}{thing[2]}{colour[0]}的{thing[0]}。"
                f"{person[1]} has {en(n)} {colour[1]} {thing[1]}.")
    person, thing = rng.choice(PEOPLE), rng.choice(THINGS)
    n = rng.randrange(3, 10)
    k = rng.randrange(1, n)
    return (f"{person[0]}有{zh(n)}{thing[2]}{thing[0]}，给了朋友{zh(k)}{thing[2]}，还剩{zh(n - k)}{thing[2]}。"
            f"{person[1]} has {en(n)} {thing[1]}; {person[2]} gives {en(k)} to a friend and has {en(n - k)} left.")


def main(path, sentences=3000, seed=7):
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as out:
        for _ in range(sentences):
            out.write(sentence(rng) + "\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "corpus/zh-en.txt")

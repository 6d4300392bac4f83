/** Numbers with units and percentages: "5 km" -> "five kilometers", "20°C" -> "twenty degrees Celsius", "50%" -> "fifty percent". */
import { numberWords } from './numbers.js';

/** Unit symbol (case-sensitive) -> [singular, plural]. Only read after a number, never alone. */
const UNITS: Record<string, [string, string]> = {
  km: ['kilometer', 'kilometers'], m: ['meter', 'meters'], cm: ['centimeter', 'centimeters'],
  mm: ['millimeter', 'millimeters'], 'µm': ['micrometer', 'micrometers'], nm: ['nanometer', 'nanometers'],
  mi: ['mile', 'miles'], ft: ['foot', 'feet'], yd: ['yard', 'yards'],
  kg: ['kilogram', 'kilograms'], g: ['gram', 'grams'], mg: ['milligram', 'milligrams'],
  lb: ['pound', 'pounds'], lbs: ['pound', 'pounds'], oz: ['ounce', 'ounces'],
  L: ['liter', 'liters'], l: ['liter', 'liters'], ml: ['milliliter', 'milliliters'], mL: ['milliliter', 'milliliters'],
  mph: ['mile per hour', 'miles per hour'], 'km/h': ['kilometer per hour', 'kilometers per hour'],
  kph: ['kilometer per hour', 'kilometers per hour'], 'm/s': ['meter per second', 'meters per second'],
  '°C': ['degree Celsius', 'degrees Celsius'], '°F': ['degree Fahrenheit', 'degrees Fahrenheit'],
  '°': ['degree', 'degrees'],
  Hz: ['hertz', 'hertz'], kHz: ['kilohertz', 'kilohertz'], MHz: ['megahertz', 'megahertz'], GHz: ['gigahertz', 'gigahertz'],
  W: ['watt', 'watts'], kW: ['kilowatt', 'kilowatts'], kWh: ['kilowatt hour', 'kilowatt hours'], V: ['volt', 'volts'],
  mAh: ['milliamp hour', 'milliamp hours'],
  KB: ['kilobyte', 'kilobytes'], kB: ['kilobyte', 'kilobytes'], MB: ['megabyte', 'megabytes'],
  GB: ['gigabyte', 'gigabytes'], TB: ['terabyte', 'terabytes'],
  Mbps: ['megabit per second', 'megabits per second'], Gbps: ['gigabit per second', 'gigabits per second'],
  ms: ['millisecond', 'milliseconds'], sec: ['second', 'seconds'], secs: ['second', 'seconds'],
  min: ['minute', 'minutes'], mins: ['minute', 'minutes'], hr: ['hour', 'hours'], hrs: ['hour', 'hours'],
  yr: ['year', 'years'], yrs: ['year', 'years'],
};
const POWERS: Record<string, string> = { '²': 'square', '2': 'square', '³': 'cubic', '3': 'cubic' };

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const UNIT_ALTERNATION = Object.keys(UNITS).sort((a, b) => b.length - a.length).map(escapeRegExp).join('|');
const NUMBER = String.raw`((?<![\w.-])-)?(?<![\d,.])(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)`;
// The unit must end the token: "5 m" and "5m" but not "5 monkeys"; "°" may be spaced from its letter.
const WITH_UNIT = new RegExp(`${NUMBER} ?(${UNIT_ALTERNATION.replace('°C|°F', '° ?C|° ?F')})(\\^?[²³23])?(?![\\w/])`, 'g');
const PERCENT = new RegExp(`${NUMBER} ?(%|percent\\b|per cent\\b)`, 'g');
const TIMES = /(?<![\w.])(\d+(?:\.\d+)?)x\b/g;
const BY = /(?<![\w.])(\d+(?:\.\d+)?) ?x ?(\d+(?:\.\d+)?)(?![\w.])/g;

function signed(minus: string | undefined, amount: string): string {
  return (minus ? 'minus ' : '') + numberWords(amount);
}

/** Replaces "number + unit", percentages and "3x" / "4x4" by words; units alone stay as written. */
export function normalizeUnits(text: string): string {
  let out = text.replace(PERCENT, (_m, minus: string | undefined, amount: string) => `${signed(minus, amount)} percent`);
  out = out.replace(WITH_UNIT, (whole, minus: string | undefined, amount: string, unit: string, power?: string) => {
    const names = UNITS[unit.replace(' ', '')];
    if (!names) return whole;
    // A digit after a length unit is a power only when marked ("m2", "m^2"), never for "5 m 3".
    const powerWord = power ? POWERS[power.replace('^', '')] : undefined;
    if (power && !['m', 'km', 'cm', 'mm', 'ft', 'mi', 'yd'].includes(unit)) return whole;
    const name = amount === '1' && !minus ? names[0] : names[1];
    return `${signed(minus, amount)} ${powerWord ? `${powerWord} ` : ''}${name}`;
  });
  out = out.replace(BY, (_m, a: string, b: string) => `${numberWords(a)} by ${numberWords(b)}`);
  return out.replace(TIMES, (_m, n: string) => `${numberWords(n)} times`);
}

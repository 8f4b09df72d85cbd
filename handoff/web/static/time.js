// Instants shown on wall clocks of IANA zones, with the zone always named.

const partsCache = new Map();

function formatter(zone) {
  let f = partsCache.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-GB", {
      timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", second: "2-digit", weekday: "short",
    });
    partsCache.set(zone, f);
  }
  return f;
}

// The wall-clock reading of `instant` (a Date) in `zone`.
export function wall(instant, zone) {
  const out = {};
  for (const p of formatter(zone).formatToParts(instant)) out[p.type] = p.value;
  return {
    year: +out.year, month: +out.month, day: +out.day,
    hour: +out.hour, minute: +out.minute, second: +out.second, weekday: out.weekday,
  };
}

// The zone's offset from UTC at `instant`, in milliseconds.
export function offsetMs(instant, zone) {
  const w = wall(instant, zone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(instant.getTime() / 1000) * 1000;
}

// The instant a wall-clock reading in `zone` names, by the engine's rule: a reading
// in a spring-forward gap moves forward by the gap, an ambiguous one (fall-back) takes
// the earlier instant.
export function fromWall(year, month, day, hour, minute, zone) {
  const guess = Date.UTC(year, month - 1, day, hour, minute);
  const day_ = 86400000;
  const early = guess - offsetMs(new Date(guess - day_), zone); // the offset before a change
  const late = guess - offsetMs(new Date(guess + day_), zone); // and after it
  const names = (t) => {
    const w = wall(new Date(t), zone);
    return w.year === year && w.month === month && w.day === day && w.hour === hour && w.minute === minute;
  };
  const found = [early, late].filter(names);
  if (found.length) return new Date(Math.min(...found));
  return new Date(early); // in a gap: the offset before it, which is later by the gap
}

// Monday 00:00 of the week holding `instant`, on `zone`'s wall clock.
export function startOfWeek(instant, zone) {
  const w = wall(instant, zone);
  const weekday = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].indexOf(w.weekday);
  const midnight = new Date(Date.UTC(w.year, w.month - 1, w.day - weekday));
  return fromWall(midnight.getUTCFullYear(), midnight.getUTCMonth() + 1, midnight.getUTCDate(), 0, 0, zone);
}

export function addDays(instant, days, zone) {
  const w = wall(instant, zone);
  const d = new Date(Date.UTC(w.year, w.month - 1, w.day + days));
  return fromWall(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), w.hour, w.minute, zone);
}

const dayFormat = new Map();

// "Monday 30 Nov 09:00" on the zone's clock.
export function dayTime(instant, zone) {
  let f = dayFormat.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-GB", {
      timeZone: zone, weekday: "long", day: "numeric", month: "short",
      hour: "2-digit", minute: "2-digit", hourCycle: "h23",
    });
    dayFormat.set(zone, f);
  }
  const p = {};
  for (const x of f.formatToParts(instant)) p[x.type] = x.value;
  return `${p.weekday} ${p.day} ${p.month} ${p.hour}:${p.minute}`;
}

// "09:00" on the zone's clock.
export function clock(instant, zone) {
  const w = wall(instant, zone);
  return `${String(w.hour).padStart(2, "0")}:${String(w.minute).padStart(2, "0")}`;
}

// "3 h 20 min" from an ISO 8601 duration the API returns (PT3H20M, P1DT2H).
export function duration(iso) {
  const m = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:([\d.]+)S)?)?$/.exec(iso || "");
  if (!m) return iso;
  const hours = (+m[1] || 0) * 168 + (+m[2] || 0) * 24 + (+m[3] || 0);
  const minutes = +m[4] || 0;
  if (!hours && !minutes) return "0 min";
  return [hours ? `${hours} h` : "", minutes ? `${minutes} min` : ""].filter(Boolean).join(" ");
}

const relative = new Intl.RelativeTimeFormat("en", { numeric: "auto" });

// "in 3 hours", "2 days ago".
export function fromNow(instant, now = new Date()) {
  const seconds = (instant.getTime() - now.getTime()) / 1000;
  const units = [["day", 86400], ["hour", 3600], ["minute", 60]];
  for (const [unit, size] of units) {
    if (Math.abs(seconds) >= size) return relative.format(Math.round(seconds / size), unit);
  }
  return "now";
}

export function browserZone() {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

export function sameZone(a, b) {
  const canonical = (zone) => {
    try {
      return new Intl.DateTimeFormat("en", { timeZone: zone }).resolvedOptions().timeZone;
    } catch {
      return zone;
    }
  };
  return canonical(a) === canonical(b);
}

// Zones the browser's list (ICU's canonical names) still gives by an older name; the
// current name is what people and the API use, so it is the one suggested.
const RENAMED = {
  "Asia/Calcutta": "Asia/Kolkata", "Asia/Katmandu": "Asia/Kathmandu",
  "Asia/Saigon": "Asia/Ho_Chi_Minh", "Asia/Rangoon": "Asia/Yangon", "Europe/Kiev": "Europe/Kyiv",
  "America/Godthab": "America/Nuuk", "Atlantic/Faeroe": "Atlantic/Faroe",
  "Pacific/Enderbury": "Pacific/Kanton", "Pacific/Truk": "Pacific/Chuuk", "Pacific/Ponape": "Pacific/Pohnpei",
  "America/Buenos_Aires": "America/Argentina/Buenos_Aires", "America/Catamarca": "America/Argentina/Catamarca",
  "America/Cordoba": "America/Argentina/Cordoba", "America/Jujuy": "America/Argentina/Jujuy",
  "America/Mendoza": "America/Argentina/Mendoza", "America/Indianapolis": "America/Indiana/Indianapolis",
  "America/Louisville": "America/Kentucky/Louisville", "America/Coral_Harbour": "America/Atikokan",
  "Africa/Asmera": "Africa/Asmara",
};

function valid(zone) {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export function knownZones() {
  let zones;
  try {
    zones = Intl.supportedValuesOf("timeZone");
  } catch {
    return ["UTC"];
  }
  const current = zones.map((z) => (RENAMED[z] && valid(RENAMED[z]) ? RENAMED[z] : z));
  return [...new Set(current)].sort();
}

// The zone a typed name means, spelled as typed when it is valid ("Asia/Kolkata" stays
// Asia/Kolkata, not the browser's Asia/Calcutta); other spellings ("asia/tokyo", "utc")
// become the listed name. null when the browser knows no such zone.
export function zoneNamed(typed) {
  if (!valid(typed)) return null;
  const lower = typed.toLowerCase();
  const listed = knownZones().find((z) => z.toLowerCase() === lower);
  if (listed) return listed;
  const resolved = new Intl.DateTimeFormat("en", { timeZone: typed }).resolvedOptions().timeZone;
  return resolved.toLowerCase() === lower || !/[A-Z]/.test(typed) ? resolved : typed;
}

import "./style.css";

// A static dashboard: renders a few city forecasts into #app.
const forecasts = [
  { city: "Lisbon", high: 24, low: 16 },
  { city: "Oslo", high: 9, low: 2 },
  { city: "Nairobi", high: 26, low: 14 },
];

document.querySelector("#app").innerHTML = `
  <h1>Weather board</h1>
  <ul>${forecasts.map((f) => `<li><b>${f.city}</b> ${f.low}°–${f.high}°</li>`).join("")}</ul>
`;

// Adds the browser's position to a visit record, only when the user taps the button and allows it.
(function () {
  var button = document.getElementById("locate");
  if (!button) return;
  var status = document.getElementById("location-status");
  var form = document.getElementById("record-form");
  function set(name, value) {
    var input = form.querySelector("input[name=" + name + "]");
    if (input) input.value = value;
  }
  button.addEventListener("click", function () {
    if (!navigator.geolocation) { status.textContent = button.dataset.msgUnsupported; return; }
    navigator.geolocation.getCurrentPosition(
      function (pos) {
        set("latitude", pos.coords.latitude.toFixed(6));
        set("longitude", pos.coords.longitude.toFixed(6));
        set("accuracy", Math.round(pos.coords.accuracy));
        set("located_at", new Date(pos.timestamp).toISOString());
        status.textContent = button.dataset.msgOk.replace("{m}", Math.round(pos.coords.accuracy));
      },
      function () { status.textContent = button.dataset.msgDenied; },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
    );
  });
})();

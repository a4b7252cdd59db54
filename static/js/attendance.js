// The clock buttons: send the device's own clock (compared with the server's, never used as the
// punch's time) and, where the site checks location, the browser's position.
(function () {
  "use strict";
  function submitWith(form, button) {
    const hidden = document.createElement("input");
    hidden.type = "hidden";
    hidden.name = button.name;
    hidden.value = button.value;
    form.appendChild(hidden);
    form.submit();
  }
  document.querySelectorAll(".clock__form").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.sending) return;
      const button = event.submitter;
      const device = form.querySelector("[name=device_ms]");
      if (device) device.value = String(Date.now());
      if (!form.hasAttribute("data-locate") || !navigator.geolocation || !button) return;
      event.preventDefault();
      form.dataset.sending = "1";
      const status = form.querySelector("[data-locate-status]");
      if (status) status.textContent = status.dataset.waiting || "Finding your location…";
      navigator.geolocation.getCurrentPosition(
        function (position) {
          form.querySelector("[name=latitude]").value = String(position.coords.latitude);
          form.querySelector("[name=longitude]").value = String(position.coords.longitude);
          submitWith(form, button);
        },
        function () { submitWith(form, button); },
        { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 }
      );
    });
  });
})();

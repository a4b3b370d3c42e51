// The sample site's script: it runs only if its bytes match the integrity
// attribute release wrote into index.html.
document.getElementById("app").dataset.verified = "yes";

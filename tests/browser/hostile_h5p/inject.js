// Run as script in a page of the site's own origin, this would prove package files can be.
window.sangkatInjected = true;

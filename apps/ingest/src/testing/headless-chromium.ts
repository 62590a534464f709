// Moved to testkit (the bench drives the viewer too); kept here for the tests that import it.
export { CHROMIUM, launchChromium, type HeadlessChromium } from '@runstream/testkit';

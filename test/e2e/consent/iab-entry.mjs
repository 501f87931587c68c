// The IAB's own CMP libraries, bundled for the consent test pages (iab-bundle.ts): the TCF CMP API
// (`@iabtechlabtcf/cmpapi`, which takes over the official `__tcfapi` stub) and the GPP CMP API
// (`@iabgpp/cmpapi`). A scripted page creates them when its "CMP" arrives and calls `update(…)` /
// `setGppString(…)` as a real CMP does when the shopper answers.
import { CmpApi as TcfCmpApi } from '@iabtechlabtcf/cmpapi'
import { CmpApi as GppCmpApi } from '@iabgpp/cmpapi'

window.IAB = { TcfCmpApi, GppCmpApi }

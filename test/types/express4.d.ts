// Express 4, installed under another name beside Express 5 so both can be mounted in one run; its API is the one used here.
declare module 'express4' {
  import express from 'express';
  export default express;
}

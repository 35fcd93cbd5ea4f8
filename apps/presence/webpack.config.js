module.exports = require('../../webpack.app.js')('presence');
